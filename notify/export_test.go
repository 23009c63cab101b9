package notify

// SetAfterAccept installs a hook that runs after the SMTP server accepted a
// notification and before it is acknowledged (tests only).
func (w *Worker) SetAfterAccept(f func(*Notification)) { w.afterAccept = f }
