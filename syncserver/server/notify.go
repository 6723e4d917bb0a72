package server

import (
	"github.com/gorilla/mux"
)

// sendReminders enqueues the admin's reminders of a round (POST
// /v1/admin/rounds/{round}/reminders): to every RTS of its postes without
// a key, and to every eligible intern without a wish list
// (notify.Mailer.Reminders).
func (s *Server) sendReminders(q *req) error {
	out, err := s.mail.Reminders(q.who.ID, mux.Vars(q.r)["round"], q.now)
	if err != nil {
		return err
	}
	return q.ok(out)
}
