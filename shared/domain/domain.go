// Package domain holds the vocabulary shared by the desktop app, the sync
// server and the auditors: rounds, postes, people, wish lists, rankings and
// results. It has no I/O and no policy beyond validating its own values.
package domain

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Procedure names how a round assigns interns to postes.
type Procedure string

const (
	// Appariement is the consolidation-phase procedure: interns rank postes,
	// RTS rank candidates, intern-proposing deferred acceptance matches them.
	Appariement Procedure = "appariement"
	// ChoixAuRang is the procedure of all other semesters: interns choose in
	// the order of a call list (serial dictatorship on full wish lists).
	ChoixAuRang Procedure = "choix-au-rang"
)

// Valid reports whether p is a known procedure.
func (p Procedure) Valid() bool { return p == Appariement || p == ChoixAuRang }

// RoundState is a step of a round's life. States only move forward, in the
// order of RoundStates.
type RoundState string

// The states of a round, in order.
const (
	StateDraft          RoundState = "draft"
	StateWishesOpen     RoundState = "wishes_open"
	StateWishesClosed   RoundState = "wishes_closed"
	StateRankingsOpen   RoundState = "rankings_open"
	StateRankingsClosed RoundState = "rankings_closed"
	StateMatched        RoundState = "matched"
	StatePublished      RoundState = "published"
)

// RoundStates lists the states of a round in the order a round goes through
// them. A choix-au-rang round skips the two rankings states.
var RoundStates = []RoundState{
	StateDraft, StateWishesOpen, StateWishesClosed,
	StateRankingsOpen, StateRankingsClosed, StateMatched, StatePublished,
}

// Index returns the position of s in RoundStates, or -1 if s is unknown.
func (s RoundState) Index() int {
	for i, t := range RoundStates {
		if t == s {
			return i
		}
	}
	return -1
}

// Role is what a person may do.
type Role string

// The roles.
const (
	RoleIntern      Role = "intern"
	RoleRTS         Role = "rts"
	RoleCoordinator Role = "coordinator"
	RoleAdmin       Role = "admin"
	// RoleAuditor is a member of the commission (an interns' union, a
	// university…) who re-runs published rounds from their audit bundle.
	RoleAuditor Role = "auditor"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleIntern, RoleRTS, RoleCoordinator, RoleAdmin, RoleAuditor:
		return true
	}
	return false
}

// Round is one matching round of one procedure.
type Round struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Procedure   Procedure  `json:"procedure"`
	Number      int        `json:"number"` // 1, 2 (online) or 3 (in person, manual)
	Parent      string     `json:"parent,omitempty"`
	Subdivision string     `json:"subdivision,omitempty"` // empty: national
	Specialty   string     `json:"specialty,omitempty"`   // empty: every DES
	State       RoundState `json:"state"`
	// Windows, by the server's clock. Zero means not scheduled.
	WishesOpen    time.Time `json:"wishes_open,omitzero"`
	WishesClose   time.Time `json:"wishes_close,omitzero"`
	RankingsOpen  time.Time `json:"rankings_open,omitzero"`
	RankingsClose time.Time `json:"rankings_close,omitzero"`
	// Checkpoint is the signed transparency-log checkpoint at which the
	// round's input was frozen; set when the round is matched.
	Checkpoint string `json:"checkpoint,omitempty"`
	// LiveStart and LivePace describe the live reveal of a matched choix
	// au rang, once an admin starts it: from LiveStart (server clock),
	// LivePace ranks a minute are revealed to everyone (rules.LiveCursor).
	LiveStart time.Time `json:"live_start,omitzero"`
	LivePace  int       `json:"live_pace,omitempty"`
	// MinCosignatures is how many registered witnesses must have cosigned
	// the frozen checkpoint (or a later one) before the results can be
	// published; 0: none required.
	MinCosignatures int `json:"min_cosignatures,omitempty"`
	// MinRankingCoverage is the share of each poste's candidates, in
	// percent (0–100), that its RTS must rank in an appariement (80 in
	// 2020); 0: no minimum (rules.CheckRankingCoverage).
	MinRankingCoverage int `json:"min_ranking_coverage,omitempty"`
	// Binomes lets the interns of a choix au rang link their lists in
	// pairs (api.BinomeLink, both signed before the wishes close): each
	// pair chooses together at the later of its two ranks (shared/match);
	// false: no link counts.
	Binomes bool `json:"binomes,omitempty"`
	// WishTies lets the interns of an appariement put wishes ex aequo
	// (WishList.Ranks); an RTS may always rank candidates ex aequo in an
	// appariement (Ranking.Ranks). False: wish lists stay strict.
	WishTies bool `json:"wish_ties,omitempty"`
	// TieBreakCommitment is the commitment to the round's tie-breaking
	// draw (shared/draw.Commit of a secret only the server can compute),
	// set by the server when it creates an appariement round or derives a
	// next round, before any wish can arrive; the secret is revealed in
	// the frozen input, with the seed it gives. Empty: no draw.
	TieBreakCommitment string `json:"tie_break_commitment,omitempty"`
	// TieBreakSecret is the draw's secret (hexadecimal), revealed once the
	// round is run when some list had a tie, as in the frozen input: anyone
	// checks it against TieBreakCommitment (shared/draw.Verify). Empty
	// before the run, or when the draw broke no tie.
	TieBreakSecret string `json:"tie_break_secret,omitempty"`
	// CallListCommitment is the commitment to the seed that breaks the
	// ties of the round's call list (shared/draw.CommitCallList), set by
	// the server when it creates a choix-au-rang round or derives a next
	// one, before any call list can be computed: every call list of the
	// round has that seed, and anyone checks a published list's seed
	// against it (shared/draw.CheckDraw). Empty: a round created before
	// call-list seeds were drawn, or an appariement.
	CallListCommitment string `json:"call_list_commitment,omitempty"`
}

// Scope is a specialty and a subdivision, each empty for "every one":
// what a round or a coordinator covers.
type Scope struct {
	Specialty, Subdivision string
}

// Covers reports whether the scope includes the given specialty and
// subdivision.
func (s Scope) Covers(specialty, subdivision string) bool {
	return (s.Specialty == "" || s.Specialty == specialty) && (s.Subdivision == "" || s.Subdivision == subdivision)
}

// Scope returns the round's scope: its specialty and subdivision.
func (r *Round) Scope() Scope { return Scope{r.Specialty, r.Subdivision} }

// Covers reports whether the round's scope includes the given specialty
// and subdivision.
func (r *Round) Covers(specialty, subdivision string) bool {
	return r.Scope().Covers(specialty, subdivision)
}

// Poste is an internship post ("terrain de stage") offering Capacity places.
type Poste struct {
	ID            string `json:"id"`
	Specialty     string `json:"specialty"`   // DES code, see DESList
	Subdivision   string `json:"subdivision"` // subdivision code, see Subdivisions
	Etablissement string `json:"etablissement"`
	Service       string `json:"service"`
	Town          string `json:"town"`
	Title         string `json:"title"`
	RTS           string `json:"rts"` // identifier of the RTS person
	RTSName       string `json:"rts_name"`
	RTSEmail      string `json:"rts_email"`
	Capacity      int    `json:"capacity"`
	Description   string `json:"description,omitempty"`
	Closed        bool   `json:"closed,omitempty"` // withdrawn from the round
	Version       uint64 `json:"version"`          // catalogue version of its last change
}

// Validate checks the fields that every poste must have.
func (p *Poste) Validate() error {
	switch {
	case p.ID == "":
		return fmt.Errorf("poste: empty id")
	case !ValidCapacity(p.Capacity):
		return fmt.Errorf("poste %q: capacity %d outside %d–%d", p.ID, p.Capacity, MinCapacity, MaxCapacity)
	case LookupDES(p.Specialty) == nil:
		return fmt.Errorf("poste %q: unknown specialty %q", p.ID, p.Specialty)
	case LookupSubdivision(p.Subdivision) == nil:
		return fmt.Errorf("poste %q: unknown subdivision %q", p.ID, p.Subdivision)
	}
	return nil
}

// The bounds of a poste's capacity, wherever it is written (import,
// correction): a poste offers at least one place, and no service takes a
// thousand interns.
const (
	MinCapacity = 1
	MaxCapacity = 1000
)

// ValidCapacity reports whether n places is a capacity a poste may have.
func ValidCapacity(n int) bool { return n >= MinCapacity && n <= MaxCapacity }

// Person is anyone who may sign in: an intern, an RTS, a coordinator or an
// admin. Interns carry their specialty, subdivision and rank (for the call
// list of choix au rang).
type Person struct {
	ID          string `json:"id"`
	Role        Role   `json:"role"`
	LastName    string `json:"last_name"`
	FirstName   string `json:"first_name"`
	Email       string `json:"email"`
	Specialty   string `json:"specialty,omitempty"`
	Subdivision string `json:"subdivision,omitempty"`
	Rank        int    `json:"rank,omitempty"` // classement, 1 is best; 0 unknown
}

// Scope returns the person's scope: their specialty and subdivision, an
// empty one meaning any. It is what a coordinator may see and correct
// (the one coordinator-scope check: p.Scope().Covers(spec, sub)).
func (p *Person) Scope() Scope { return Scope{p.Specialty, p.Subdivision} }

// ValidEmail reports whether s is a plausible, reachable e-mail address:
// RFC 5322 syntax, a bare address, and a domain with a top-level domain of
// at least two letters.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	dom := s[strings.LastIndexByte(s, '@')+1:]
	dot := strings.LastIndexByte(dom, '.')
	return dot > 0 && dot < len(dom)-2
}

// FullName returns "First LAST".
func (p *Person) FullName() string { return p.FirstName + " " + p.LastName }

// WishList is an intern's ordered list of postes for a round, best first.
//
// Ranks, when present, is parallel to Postes: Ranks[i] is the rank of
// Postes[i], Ranks[0] is 1 and each next rank is equal to the previous one
// (ex aequo, only in a round with WishTies) or the previous plus one
// (rules.CheckRanks). Absent: a strict order, as before ties existed.
type WishList struct {
	Round  string   `json:"round"`
	Intern string   `json:"intern"`
	Postes []string `json:"postes"`
	Ranks  []int    `json:"ranks,omitempty"`
}

// Ranking is an RTS's ordered list of candidates for one poste, best first.
// A candidate who is not listed is unacceptable.
//
// Ranks, when present, is parallel to Interns with the convention of
// WishList.Ranks: candidates of equal rank are ex aequo, and the round's
// published draw breaks the tie. Absent: a strict order.
type Ranking struct {
	Round   string   `json:"round"`
	Poste   string   `json:"poste"`
	Interns []string `json:"interns"`
	Ranks   []int    `json:"ranks,omitempty"`
}

// Assignment gives one intern one poste.
type Assignment struct {
	Intern string `json:"intern"`
	Poste  string `json:"poste"`
	// Manual is set for round 3 assignments, made by hand.
	Manual bool   `json:"manual,omitempty"`
	Author string `json:"author,omitempty"` // admin who assigned by hand
	Reason string `json:"reason,omitempty"`
}

// Result is the outcome of a round.
type Result struct {
	Round       string       `json:"round"`
	Procedure   Procedure    `json:"procedure"`
	Checkpoint  string       `json:"checkpoint"` // signed checkpoint of the frozen input
	TreeSize    int64        `json:"tree_size"`  // log size at that checkpoint
	Assignments []Assignment `json:"assignments"`
	Unmatched   []string     `json:"unmatched"`
	ComputedAt  time.Time    `json:"computed_at"`
	// CallListVersion and CallListDigest name the published call list a
	// choix au rang followed (digest: hex SHA-256 of its signed payload);
	// empty when the interns chose in the order of their rank.
	CallListVersion int    `json:"call_list_version,omitempty"`
	CallListDigest  string `json:"call_list_digest,omitempty"`
	// InputDigest is the hex SHA-256 of the frozen input document the
	// result was computed from (shared/frozen): what an auditor re-runs.
	InputDigest string `json:"input_digest,omitempty"`
	// WhyNot explains, for every intern and every wish ranked above the
	// poste obtained (every wish when unmatched), why it was not granted;
	// sorted by intern then wish, recomputed by auditors from the frozen
	// input (shared/whynot). Absent from results signed before it existed.
	WhyNot []WhyNot `json:"why_not,omitempty"`
}

// WhyNotKind says why an intern did not get a wish ranked above the one
// obtained (shared/whynot computes them, and renders them in French and
// English).
type WhyNotKind string

// The reasons a wish above the one obtained was not granted.
const (
	// WhyFilled (appariement): the poste was filled by Filled interns its
	// RTS ranked before the intern; the last admitted has rank LastRank in
	// the RTS's ranking, the intern rank YourRank.
	WhyFilled WhyNotKind = "filled"
	// WhyNotRanked (appariement): the RTS's ranking does not list the
	// intern, so the poste could not take them.
	WhyNotRanked WhyNotKind = "not_ranked"
	// WhyNoRanking (appariement): the poste's RTS signed no ranking for
	// the round: a poste without a ranking accepts nobody.
	WhyNoRanking WhyNotKind = "no_ranking"
	// WhyTaken (choix au rang): the Filled places of the poste were all
	// taken before the intern's turn, the last one by the intern called at
	// position LastRank of the call list; the intern was at YourRank.
	WhyTaken WhyNotKind = "taken"
	// WhyClosed: the poste was not open in the round when it was frozen
	// (withdrawn, or no place left after an earlier round).
	WhyClosed WhyNotKind = "closed"
	// WhyAbsent (choix au rang): the intern was marked absent in the
	// published call list and chose nothing.
	WhyAbsent WhyNotKind = "absent"
	// WhyBinome (choix au rang with binômes): the intern chose with their
	// binôme at the later of the two ranks (YourRank), and the pair took
	// pair number Pair of its joint list, the first with a place for both;
	// this wish still had a place but the joint list came first.
	WhyBinome WhyNotKind = "binome"
)

// WhyNot explains why Intern did not get Poste, the wish at position Wish
// (from 1) of their signed wish list, ranked above the poste they obtained
// (or any wish, when they obtained none). The numbers that do not apply to
// the Kind are zero.
type WhyNot struct {
	Intern string     `json:"intern"`
	Poste  string     `json:"poste"`
	Wish   int        `json:"wish"`
	Kind   WhyNotKind `json:"kind"`
	// Filled is the number of interns who took the poste (its capacity).
	Filled int `json:"filled,omitempty"`
	// LastRank is the rank of the last intern admitted: in the RTS's
	// ranking (appariement) or in the call list (choix au rang).
	LastRank int `json:"last_rank,omitempty"`
	// YourRank is the intern's own rank, on the same scale as LastRank;
	// for an intern of a binôme, the rank at which the pair chose.
	YourRank int `json:"your_rank,omitempty"`
	// Partner is the intern's binôme, when they chose with one.
	Partner string `json:"partner,omitempty"`
	// Pair is the position, from 1, of the pair of the joint list the
	// binôme obtained (WhyBinome).
	Pair int `json:"pair,omitempty"`
	// Tied (WhyFilled, a round with ties): the last admitted was ranked ex
	// aequo with the intern (LastRank == YourRank, the RTS's own ranks) and
	// the round's published draw put them first.
	Tied bool `json:"tied,omitempty"`
}
