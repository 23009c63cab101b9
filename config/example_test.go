package config_test

import (
	"fmt"
	"net/netip"

	"github.com/lychgate/lychgate/config"
)

func ExampleParse() {
	src := []byte(`[relay]
hostname = "mx.example.sch.uk"
trusted_networks = ["10.0.0.0/8", "192.168.5.10"]

[next_hop]
inbound = "10.0.0.5:25"

[[school]]
id = "stlaurence"
domains = ["stlaurence.example.sch.uk"]
`)
	c, err := config.Parse("lychgate.toml", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Relay.TrustedNetworks)
	fmt.Println(c.IsTrusted(netip.MustParseAddr("10.1.2.3")))
	fmt.Println(c.SchoolForAddress("head@stlaurence.example.sch.uk").ID)
	// Output:
	// [10.0.0.0/8 192.168.5.10/32]
	// true
	// stlaurence
}

func ExampleProblems() {
	src := []byte(`[relay]
max_message_bytes = 0
listen = "localhost"

[[rule]]
id = "Bad Id"
field = "body"
words = ["x"]
category = "spam"
severity = "low"
`)
	_, err := config.Parse("lychgate.toml", src)
	for _, p := range config.Problems(err) {
		fmt.Println(p)
	}
	// Output:
	// lychgate.toml:2: relay.max_message_bytes: must be positive
	// lychgate.toml:3: relay.listen: "localhost" is not host:port (such as 127.0.0.1:25)
	// lychgate.toml:6: rule[0].id: must be lowercase letters, digits, "_" and "-" (at most 64), not "Bad Id"
}
