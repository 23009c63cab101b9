// Package dnstest runs a real DNS server (github.com/miekg/dns) on
// loopback for the spam scanner's tests: zones are given as RR text, names
// can be made to time out (the server never answers them), and every query
// is counted.
package dnstest

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// Server is a DNS server on 127.0.0.1 (UDP).
type Server struct {
	// Addr is "127.0.0.1:<port>".
	Addr string

	mu      sync.Mutex
	rrs     map[string][]dns.RR // key: lower-case FQDN + "/" + type
	names   map[string]bool     // names with any record
	silent  map[string]bool     // names never answered
	servfl  map[string]bool     // names answered SERVFAIL
	queries map[string]int
}

// Start starts a server serving records (zone-file lines such as
// "example.test. 300 IN TXT \"v=spf1 -all\"") and stops it at cleanup.
func Start(t testing.TB, records ...string) *Server {
	t.Helper()
	s := &Server{rrs: map[string][]dns.RR{}, names: map[string]bool{}, silent: map[string]bool{}, servfl: map[string]bool{}, queries: map[string]int{}}
	for _, r := range records {
		s.Add(t, r)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dnstest: listen: %v", err)
	}
	s.Addr = pc.LocalAddr().String()
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(s.serve)}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return s
}

// Add adds one record in zone-file syntax.
func (s *Server) Add(t testing.TB, record string) {
	t.Helper()
	rr, err := dns.NewRR(record)
	if err != nil {
		t.Fatalf("dnstest: record %q: %v", record, err)
	}
	name := strings.ToLower(rr.Header().Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	k := name + "/" + dns.TypeToString[rr.Header().Rrtype]
	s.rrs[k] = append(s.rrs[k], rr)
	s.names[name] = true
}

// Silence makes the server never answer queries for name (a timeout).
func (s *Server) Silence(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.silent[strings.ToLower(dns.Fqdn(name))] = true
}

// ServFail makes the server answer SERVFAIL for name.
func (s *Server) ServFail(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.servfl[strings.ToLower(dns.Fqdn(name))] = true
}

// Queries returns how many queries for name (any type) were received.
func (s *Server) Queries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[strings.ToLower(dns.Fqdn(name))]
}

func (s *Server) serve(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	s.mu.Lock()
	s.queries[name]++
	silent, servfail := s.silent[name], s.servfl[name]
	answer := append([]dns.RR(nil), s.rrs[name+"/"+dns.TypeToString[q.Qtype]]...)
	exists := s.names[name]
	s.mu.Unlock()
	if silent {
		return
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	switch {
	case servfail:
		m.Rcode = dns.RcodeServerFailure
	case len(answer) > 0:
		m.Answer = answer
	case !exists:
		m.Rcode = dns.RcodeNameError
	}
	_ = w.WriteMsg(m)
}
