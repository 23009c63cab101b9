// Package web owns the DSL's review UI and its JSON API: sign-in with
// sessions in Redis, the dashboard, the quarantine list and message view,
// the review actions (release, delete, send me a copy, not a problem,
// record an incident, export), the audit log and the incident reports.
//
// Every request is checked on the server: the user's role (package users)
// decides what they may see and do, and their schools which entries exist
// for them at all (another school's id is "not found"). Every view and
// action is written to the school's audit stream (package quarantine).
//
// Security: pages are html/template with embedded assets and no
// JavaScript; every response carries a strict Content-Security-Policy
// (default-src 'none'), frame-ancestors, nosniff and no-referrer; cookies
// are HttpOnly, SameSite=Strict and Secure when served over TLS; every
// state-changing request needs the session's CSRF token (a form field or
// the X-CSRF-Token header) unless it carries a personal API token. HTML
// mail is never rendered live: it is sanitised with bluemonday (no
// scripts, no event handlers, no remote images, no javascript: links, no
// CSS expressions) and shown in a sandboxed frame whose own CSP forbids
// scripts and every remote load.
//
// Non-goals: user management in the browser (the CLI does it), single
// sign-on.
package web
