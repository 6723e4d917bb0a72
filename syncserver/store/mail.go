package store

// MailFileName is the name of m's file in demo mode (a folder of .eml
// files): known at enqueue time, the same at every try.
func MailFileName(m *Mail) string {
	return m.Created.UTC().Format("20060102T150405Z") + "-" + m.ID + ".eml"
}
