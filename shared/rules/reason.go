package rules

import "appariement/shared/api"

// MaxReason is the longest reason (motif) an admin may give for a
// change, in bytes.
const MaxReason = 2000

// CheckReason refuses a missing (shorter than 3 bytes) or too long reason
// for a change that needs one (a key reset, a manual assignment…).
func CheckReason(reason string) error {
	if len(reason) < 3 {
		return api.Errorf(api.CodeBadRequest, "motif obligatoire", "a reason is required")
	}
	return CheckOptionalReason(reason)
}

// CheckOptionalReason refuses a too long reason for a change where it may
// be left out.
func CheckOptionalReason(reason string) error {
	if len(reason) > MaxReason {
		return api.Errorf(api.CodeBadRequest, "motif trop long (2000 caractères au plus)", "reason too long (at most 2000 characters)")
	}
	return nil
}
