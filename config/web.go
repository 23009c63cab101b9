package config

import (
	"crypto/tls"
	"time"
)

// This file holds the review UI's settings beyond base_url ([web], whose
// struct is in notify.go): defaults for zero values and validation.

// Defaults of [web] for zero values.
const (
	DefaultSessionIdle = 30 * time.Minute
	DefaultSessionMax  = 12 * time.Hour
	DefaultLockAfter   = 5
	DefaultLockBase    = time.Minute
	DefaultLockMax     = time.Hour
)

// WithDefaults returns w with its zero durations and counts replaced by the
// defaults.
func (w Web) WithDefaults() Web {
	if w.SessionIdle.Duration <= 0 {
		w.SessionIdle.Duration = DefaultSessionIdle
	}
	if w.SessionMax.Duration <= 0 {
		w.SessionMax.Duration = DefaultSessionMax
	}
	if w.LockAfter <= 0 {
		w.LockAfter = DefaultLockAfter
	}
	if w.LockBase.Duration <= 0 {
		w.LockBase.Duration = DefaultLockBase
	}
	if w.LockMax.Duration <= 0 {
		w.LockMax.Duration = DefaultLockMax
	}
	return w
}

func (v *checker) web() {
	w := &v.c.Web
	if w.Listen != "" {
		if msg := hostPortProblem(w.Listen, false); msg != "" {
			v.add("web.listen", "%s", msg)
		}
	}
	for _, f := range []struct {
		key string
		d   Duration
	}{{"web.session_idle", w.SessionIdle}, {"web.session_max", w.SessionMax}, {"web.lock_base", w.LockBase}, {"web.lock_max", w.LockMax}} {
		if f.d.Duration < 0 {
			v.add(f.key, "must not be negative (0 means the default)")
		}
	}
	if w.LockAfter < 0 {
		v.add("web.lock_after", "must not be negative (0 means the default, 5)")
	}
	switch {
	case w.TLSCert == "" && w.TLSKey == "":
		return
	case w.TLSKey == "":
		v.add("web.tls_key", "must be set when tls_cert is")
		return
	case w.TLSCert == "":
		v.add("web.tls_cert", "must be set when tls_key is")
		return
	}
	cert, err := readSmallFile(v.c.Path(w.TLSCert), maxPEMBytes)
	if err != nil {
		v.add("web.tls_cert", "%s", fileProblem(err))
	}
	key, err2 := readSmallFile(v.c.Path(w.TLSKey), maxPEMBytes)
	if err2 != nil {
		v.add("web.tls_key", "%s", fileProblem(err2))
	}
	if err == nil && err2 == nil {
		if _, err := tls.X509KeyPair(cert, key); err != nil {
			v.add("web.tls_cert", "not usable with tls_key: %v", err)
		}
	}
}
