// Command lychgate-sink is the demo next hop used by `make run`: an SMTP
// server that accepts every message and writes it to a directory, standing
// in for the school's mail server.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/lychgate/lychgate/internal/smtpsink"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:2626", "address to listen on")
	dir := flag.String("dir", "var/delivered", "directory to write delivered messages to")
	flag.Parse()
	s, err := smtpsink.Start(smtpsink.Options{Addr: *listen, Dir: *dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "lychgate-sink:", err)
		os.Exit(1)
	}
	fmt.Printf("lychgate-sink: listening on %s, writing messages to %s\n", s.Addr, *dir)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	<-sigs
	_ = s.Close()
}
