package main

import (
	"fmt"
	"io"
)

// runEval is wired to package evaluate once the content scanners land.
func runEval(_ []string, _, _ io.Writer) error {
	return fmt.Errorf("eval: not available in this build")
}
