package offers

import (
	"errors"
	"fmt"
)

// Offer problems. Place declines the offer and reports an *OfferError.
var (
	ErrInvalidOffer   = errors.New("offers: invalid offer")
	ErrDuplicateOffer = errors.New("offers: duplicate offer ID")
)

// Task problems and the reasons a valid task stays unplaced; see Unplaced.
var (
	ErrInvalidTask   = errors.New("offers: invalid task")
	ErrDuplicateTask = errors.New("offers: duplicate task ID")
	ErrNoOffers      = errors.New("offers: no usable offers")
	ErrConstraint    = errors.New("offers: no agent satisfies the constraints")
	ErrMaxPerHost    = errors.New("offers: max per host reached")
	ErrInsufficient  = errors.New("offers: not enough resources")
)

// OfferError says what is wrong with one offer.
type OfferError struct {
	OfferID string
	Field   string // what is at fault, e.g. `resource "cpus"`, `attribute "az"`, "agent_id"
	Value   string // the offending value as text
	Problem string // what is wrong and what is allowed
	Err     error  // ErrInvalidOffer or ErrDuplicateOffer
}

func (e *OfferError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("offers: offer %q: %s: %s", e.OfferID, e.Field, e.Problem)
	}
	return fmt.Sprintf("offers: offer %q: %s value %s: %s", e.OfferID, e.Field, e.Value, e.Problem)
}

func (e *OfferError) Unwrap() error { return e.Err }

// TaskError says what is wrong with one task.
type TaskError struct {
	TaskID  string
	Field   string // e.g. "cpus", `scalar "network"`, "ports"
	Value   string
	Problem string
	Err     error // ErrInvalidTask or ErrDuplicateTask
}

func (e *TaskError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("offers: task %q: %s: %s", e.TaskID, e.Field, e.Problem)
	}
	return fmt.Sprintf("offers: task %q: %s value %s: %s", e.TaskID, e.Field, e.Value, e.Problem)
}

func (e *TaskError) Unwrap() error { return e.Err }

// reason explains an unplaced valid task in plain words; kind is the
// sentinel callers branch on.
type reason struct {
	kind error
	text string
}

func (r *reason) Error() string { return r.text }
func (r *reason) Unwrap() error { return r.kind }
