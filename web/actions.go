package web

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"strings"

	"github.com/lychgate/lychgate/quarantine"
)

// actionParams are the inputs of one review action, from a form or JSON.
type actionParams struct {
	To       []string `json:"to"`
	Reason   string   `json:"reason"`
	Category string   `json:"category"`
	Notes    string   `json:"notes"`
}

// Actions the UI and API offer on one entry.
var actions = map[string]bool{
	quarantine.ActionRelease: true, quarantine.ActionDelete: true, quarantine.ActionIncident: true,
	quarantine.ActionCopy: true, quarantine.ActionNotAProblem: true,
}

// parseAddrs splits a comma- or space-separated list of plain addresses.
func parseAddrs(s string) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		a, err := mail.ParseAddress(f)
		if err != nil || a.Name != "" || strings.ContainsAny(a.Address, "<>\"") {
			return nil, errors.New("not a plain address: " + f)
		}
		out = append(out, a.Address)
	}
	return out, nil
}

// fromAddress is the sender of evidence copies: notify.from, or lychgate@
// relay.hostname.
func (s *Server) fromAddress() string {
	if s.config().Notify.From != "" {
		return s.config().Notify.From
	}
	return "lychgate@" + s.config().Relay.Hostname
}

// deliverError marks a failure of the next hop during a release or copy.
type deliverError struct{ err error }

func (e deliverError) Error() string { return "deliver: " + e.err.Error() }
func (e deliverError) Unwrap() error { return e.err }

// send is s.deliver with its failures marked as deliverError.
func (s *Server) send(ctx context.Context, from string, to []string, raw []byte) error {
	if err := s.deliver(ctx, from, to, raw); err != nil {
		return deliverError{err}
	}
	return nil
}

// errStatus maps a store error to an HTTP status and a message fit for
// the user.
func errStatus(err error) (int, string) {
	var de deliverError
	switch {
	case errors.As(err, &de):
		return http.StatusBadGateway, "the mail server did not accept the message (" + de.err.Error() + "); it is still held, try again later"
	case errors.Is(err, quarantine.ErrNotFound):
		return http.StatusNotFound, "no such message"
	case errors.Is(err, quarantine.ErrNotHeld):
		return http.StatusConflict, "the message is no longer held (someone else released or deleted it)"
	case errors.Is(err, quarantine.ErrInvalid):
		return http.StatusBadRequest, "invalid request"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable, "timed out; try again"
	}
	return http.StatusInternalServerError, "the action failed; see the server log"
}

// act performs action on e for p. It returns the entry afterwards (for
// release) and an HTTP status with a message when it fails.
func (s *Server) act(ctx context.Context, r *http.Request, p *principal, e *quarantine.Entry, action string, ap actionParams) (*quarantine.Entry, int, string) {
	if len(ap.Reason) > 2000 {
		return nil, http.StatusBadRequest, "the reason is too long (2000 characters at most)"
	}
	by := p.actor(r, strings.TrimSpace(ap.Reason))
	var err error
	switch action {
	case quarantine.ActionRelease:
		var released *quarantine.Entry
		released, err = s.quarantine().Release(ctx, e.School, e.ID, quarantine.ReleaseOptions{By: by, To: ap.To}, s.send)
		if err == nil {
			return released, 0, ""
		}
	case quarantine.ActionDelete:
		err = s.quarantine().Delete(ctx, e.School, e.ID, by)
	case quarantine.ActionIncident:
		err = s.quarantine().RecordIncident(ctx, e.School, e.ID, quarantine.Incident{By: by, Category: strings.TrimSpace(ap.Category), Notes: ap.Notes})
	case quarantine.ActionCopy:
		to := ap.To
		if len(to) == 0 && p.user.Email != "" {
			to = []string{p.user.Email}
		}
		if len(to) == 0 {
			return nil, http.StatusBadRequest, "your account has no email address for copies; ask the administrator to set one (lychgate user add --email)"
		}
		err = s.quarantine().Copy(ctx, e.School, e.ID, quarantine.CopyOptions{By: by, To: to, From: s.fromAddress()}, s.send)
	case quarantine.ActionNotAProblem:
		err = s.quarantine().NotAProblem(ctx, e.School, e.ID, by)
		if err == nil && s.feedback != nil {
			fe, raw, ferr := s.quarantine().Get(ctx, e.School, e.ID)
			if ferr == nil {
				ferr = s.feedback(ctx, fe, raw)
			}
			if ferr != nil {
				s.log.Warn("not-a-problem feedback failed", "id", e.ID, "school", e.School, "err", ferr)
			}
		}
	default:
		return nil, http.StatusNotFound, "no such action"
	}
	if err != nil {
		code, msg := errStatus(err)
		if code == http.StatusBadGateway {
			s.log.Warn("review action could not deliver", "action", action, "id", e.ID, "school", e.School, "err", err)
		}
		if code >= 500 && code != http.StatusBadGateway {
			s.log.Error("review action failed", "action", action, "id", e.ID, "school", e.School, "user", p.user.Name, "err", err)
		}
		return nil, code, msg
	}
	return e, 0, ""
}
