// Package backoff computes capped exponential backoff with jitter and waits
// it out under a context.
//
// The n-th delay (n from 0) is min(Max, Initial·Multiplier^n), then spread by
// a random factor in [1-Jitter, 1+Jitter] and capped at Max again, so many
// schedulers retrying against one master do not all come back at the same
// moment. With the defaults (1 s, ×2, 15 s cap, ±20 %) the delays are about
// 1, 2, 4, 8, 15, 15, ... seconds.
package backoff

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"time"
)

// Policy describes a backoff curve. The zero value means the defaults.
type Policy struct {
	Initial    time.Duration // first delay; default 1 s
	Max        time.Duration // cap on every delay; default 15 s
	Multiplier float64       // growth per attempt; default 2
	Jitter     float64       // relative spread in [0, 1]; default 0.2
}

func (p Policy) withDefaults() Policy {
	if p.Initial <= 0 {
		p.Initial = time.Second
	}
	if p.Max <= 0 {
		p.Max = 15 * time.Second
	}
	if p.Max < p.Initial {
		p.Max = p.Initial
	}
	if p.Multiplier < 1 {
		p.Multiplier = 2
	}
	if p.Jitter < 0 || p.Jitter > 1 {
		p.Jitter = 0.2
	}
	return p
}

// Backoff is the state of one retry sequence. It is not safe for concurrent
// use; each retrying goroutine owns its own.
type Backoff struct {
	p       Policy
	attempt int
	rand    func() float64
}

// New returns a Backoff for p. rnd returns values in [0, 1); nil means
// math/rand/v2. Tests pass a fixed function to get exact delays.
func New(p Policy, rnd func() float64) *Backoff {
	if rnd == nil {
		rnd = rand.Float64
	}
	return &Backoff{p: p.withDefaults(), rand: rnd}
}

// Next returns the delay before the next attempt and advances the sequence.
func (b *Backoff) Next() time.Duration {
	d := b.Peek()
	b.attempt++
	return d
}

// Peek returns what Next would return, without advancing (the random factor
// is drawn again, so it may differ).
func (b *Backoff) Peek() time.Duration {
	p := b.p
	// Clamp before multiplying so large attempt counts cannot overflow.
	base := float64(p.Initial) * math.Pow(p.Multiplier, float64(b.attempt))
	if math.IsInf(base, 0) || base > float64(p.Max) {
		base = float64(p.Max)
	}
	d := base * (1 - p.Jitter + 2*p.Jitter*b.rand())
	if d > float64(p.Max) {
		d = float64(p.Max)
	}
	return time.Duration(d)
}

// Attempt returns how many delays Next has handed out since the last Reset.
func (b *Backoff) Attempt() int { return b.attempt }

// Reset starts the sequence over, typically after a healthy period.
func (b *Backoff) Reset() { b.attempt = 0 }

// Sleep waits for d or until ctx is done, whichever is first, and returns
// ctx.Err() in the second case. It stops its timer either way.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Permanent marks an error that Retry must not retry.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }

// Retry calls fn until it succeeds, returns a Permanent error, or ctx is
// done, waiting b.Next() between attempts. notify, if not nil, hears every
// failure with the wait that follows it. On cancellation it returns the last
// error of fn joined with the context's error.
func Retry(ctx context.Context, b *Backoff, fn func() error, notify func(err error, wait time.Duration)) error {
	for {
		err := fn()
		if err == nil {
			return nil
		}
		var perm *permanentError
		if errors.As(err, &perm) {
			return perm.err
		}
		wait := b.Next()
		if notify != nil {
			notify(err, wait)
		}
		if serr := Sleep(ctx, wait); serr != nil {
			return errors.Join(err, serr)
		}
	}
}
