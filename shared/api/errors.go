package api

import (
	"fmt"
	"net/http"
)

// Code is a machine-readable refusal reason.
type Code string

// Refusal codes. Each comes with a sentence in French and in English.
const (
	CodeBadRequest        Code = "bad_request"
	CodeBodyTooLarge      Code = "body_too_large"
	CodeMalformed         Code = "malformed"       // not a valid envelope or payload
	CodeUnsigned          Code = "unsigned"        // no signature
	CodeBadSignature      Code = "bad_signature"   // forged or tampered
	CodeUnknownAuthor     Code = "unknown_author"  // not enrolled
	CodeUnauthorized      Code = "unauthorized"    // request signature missing or wrong
	CodeForbidden         Code = "forbidden"       // rights: not yours to submit or see
	CodeUnknownRound      Code = "unknown_round"   // no such round
	CodeWindowNotOpen     Code = "window_not_open" // too early
	CodeWindowClosed      Code = "window_closed"   // too late
	CodeUnknownPoste      Code = "unknown_poste"   // a listed poste does not exist in the round
	CodePosteClosed       Code = "poste_closed"    // withdrawn
	CodeUnknownIntern     Code = "unknown_intern"  // a ranked intern does not exist
	CodeNotCandidate      Code = "not_candidate"   // RTS ranked an intern who did not list the poste
	CodeDuplicate         Code = "duplicate"       // an item twice in a list
	CodeTooLarge          Code = "too_large"       // too many items or too long an id
	CodeReplay            Code = "replay"          // sequence number lower than the last accepted
	CodeConflict          Code = "conflict"        // same sequence number, other bytes
	CodeBadCode           Code = "bad_activation"  // wrong, used or expired activation code
	CodeAlreadyEnrolled   Code = "already_enrolled"
	CodeInvalidState      Code = "invalid_state" // round not in a state that allows this
	CodeNotFound          Code = "not_found"
	CodeUnknownAttachment Code = "unknown_attachment" // attachment not uploaded
	CodeRateLimited       Code = "rate_limited"
	CodeInvalidImport     Code = "invalid_import"
	CodeInternal          Code = "internal"
	// CodeStorageUnavailable: the server's disk is full, over quota or
	// read-only; nothing was recorded, retry after the given delay.
	CodeStorageUnavailable Code = "storage_unavailable"
	// CodeClockBehind: the server's clock reads before its last log entry;
	// it accepts no submission or round change until corrected.
	CodeClockBehind Code = "clock_behind"
	// CodeQuotaExceeded: the person's candidate files already take the
	// space (or the number of files) a person may use.
	CodeQuotaExceeded Code = "quota_exceeded"
)

// Error is the body of every refusal: a code for programs, a sentence in
// French (first) and English for people, and for 429 and 503 a retry delay.
type Error struct {
	Code       Code   `json:"code"`
	Message    string `json:"message"`               // French
	MessageEN  string `json:"message_en"`            // English
	RetryAfter int    `json:"retry_after,omitempty"` // seconds
	Status     int    `json:"-"`
}

// Error returns the English sentence, for logs and wrapped errors.
func (e *Error) Error() string { return string(e.Code) + ": " + e.MessageEN }

// Errorf builds an Error. fr and en are format strings taking the same args.
func Errorf(code Code, fr, en string, args ...any) *Error {
	return &Error{
		Code:      code,
		Message:   fmt.Sprintf(fr, args...),
		MessageEN: fmt.Sprintf(en, args...),
		Status:    code.HTTPStatus(),
	}
}

// HTTPStatus is the status code that goes with c.
func (c Code) HTTPStatus() int {
	switch c {
	case CodeBodyTooLarge, CodeQuotaExceeded:
		return http.StatusRequestEntityTooLarge
	case CodeUnsigned, CodeBadSignature, CodeUnknownAuthor, CodeUnauthorized, CodeBadCode:
		return http.StatusUnauthorized
	case CodeForbidden, CodeWindowNotOpen, CodeWindowClosed, CodeReplay:
		return http.StatusForbidden
	case CodeNotFound, CodeUnknownRound:
		return http.StatusNotFound
	case CodeConflict, CodeAlreadyEnrolled, CodeInvalidState, CodeNotCosigned:
		return http.StatusConflict
	case CodeRateLimited:
		return http.StatusTooManyRequests
	case CodeInternal:
		return http.StatusInternalServerError
	case CodeStorageUnavailable, CodeClockBehind:
		return http.StatusServiceUnavailable
	}
	return http.StatusUnprocessableEntity
}

// CodeRankingCoverage: a ranking lists fewer of the poste's candidates than
// the round's minimum share (rules.CheckRankingCoverage).
const CodeRankingCoverage Code = "ranking_coverage"

// CodeBadRanks: the ranks of a wish list or ranking do not follow the
// convention (parallel to the list, from 1, each equal to the previous or
// one more; rules.CheckRanks).
const CodeBadRanks Code = "bad_ranks"

// CodeTiesNotAllowed: a wish list puts wishes ex aequo in a round that does
// not allow it (domain.Round.WishTies), or a list of a choix au rang has
// ties (rules.CheckWishTies).
const CodeTiesNotAllowed Code = "ties_not_allowed"
