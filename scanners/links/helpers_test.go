package links

import (
	"context"

	"github.com/lychgate/lychgate/message"
)

// parse is the one place the tests call the message parser.
func parse(raw []byte) *message.Message {
	return message.Parse(context.Background(), raw, message.Limits{})
}
