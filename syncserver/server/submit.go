package server

// submit accepts a signed wish list or ranking (POST /v1/submissions):
// intake.Submit verifies it and appends it to the log; the author's rate
// limit applies once the signature is verified; the receipt is answered
// only once it is on disk.
func (s *Server) submit(q *req) error {
	acc, err := s.intake.Submit(q.r.Context(), q.body, q.now, func(author string) error {
		q.actor = author
		return s.limit(q, s.idLim, "id:"+author)
	})
	if err != nil {
		return err
	}
	s.metrics.acceptedSubmission(acc.Again)
	return q.ok(acc.Receipt)
}
