# Exchange Server (on premises) behind lychgate: run in the Exchange
# Management Shell. lychgate is 10.0.0.9; Exchange is 10.0.0.6.
# lychgate.toml:  trusted_networks = ["10.0.0.6"]
#                 [next_hop] inbound = "10.0.0.6:25"
#                            outbound = "smtp.example-isp.net:25"   (never Exchange)
# Not tested here (no Exchange in CI); written for Exchange Server 2019.

# Inbound: lychgate is an internal hop, so the anti-spam agents look past it
# at the real sender's address.
Set-TransportConfig -InternalSMTPServers @{Add="10.0.0.9"}

# Outbound: all other domains through lychgate as smart host.
New-SendConnector -Name "lychgate" -Usage Custom -AddressSpaces "*" `
  -DNSRoutingEnabled $false -SmartHosts "10.0.0.9" -SmartHostAuthMechanism None
