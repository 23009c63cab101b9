package relay

import (
	"errors"
	"sync"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"golang.org/x/crypto/bcrypt"
)

// maxAuthFailures is how many failed logins one connection may make before
// the relay refuses further attempts on it.
const maxAuthFailures = 3

var (
	errAuthFailed  = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
	errAuthTooMany = &smtp.SMTPError{Code: codeServiceUnavailable, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many failed logins, try again later"}
)

// dummyHash is compared against when the user is unknown, so a login for
// an unknown user costs as long as one with a wrong password. It is made on
// first use, not when a binary that imports the relay starts.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("lychgate-no-such-user"), bcrypt.DefaultCost)
	return h
})

// AuthMechanisms lists SASL mechanisms (RFC 4954). The server offers them
// only after STARTTLS.
func (se *session) AuthMechanisms() []string {
	if len(se.s.current().AuthUsers) == 0 {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

// Auth checks a username and password against auth_users_file. A client
// that logs in counts as the school's own server for relaying.
func (se *session) Auth(mech string) (sasl.Server, error) {
	users := se.s.current().AuthUsers
	if len(users) == 0 {
		return nil, smtp.ErrAuthUnsupported
	}
	check := func(username, password string) error {
		if se.authFailures >= maxAuthFailures {
			return errAuthTooMany
		}
		hash, ok := users[username]
		if !ok {
			hash = dummyHash()
		}
		err := bcrypt.CompareHashAndPassword(hash, []byte(password))
		if !ok || err != nil {
			se.authFailures++
			se.log.Info("authentication failed", "auth_user", username)
			return errAuthFailed
		}
		se.authUser = username
		se.log.Info("authenticated", "auth_user", username)
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return errAuthFailed
			}
			return check(username, password)
		}), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// loginServer is the LOGIN mechanism (draft-murchison-sasl-login): the
// server asks for the username, then the password.
type loginServer struct {
	check    func(username, password string) error
	username string
	step     int
}

func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		l.step++
		if len(response) > 0 { // initial response carries the username
			l.username = string(response)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.username = string(response)
		l.step++
		return []byte("Password:"), false, nil
	case 2:
		return nil, true, l.check(l.username, string(response))
	}
	return nil, true, errors.New("sasl login: unexpected response")
}
