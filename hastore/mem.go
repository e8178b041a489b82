package hastore

import (
	"fmt"
	"sync"
)

// MemStore is a Store in memory, for tests of its callers. It keeps the
// encoded payload, so it validates and normalises exactly as FileStore does.
type MemStore struct {
	mu sync.Mutex
	// mu guards the following.
	payload  []byte // nil: nothing stored
	closed   bool
	saveErr  error
	saveSeen int
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{} }

// Load returns what the last Save stored.
func (m *MemStore) Load() (State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return State{}, ErrClosed
	}
	if m.payload == nil {
		return State{}, nil
	}
	st, err := decodePayload(m.payload)
	if err != nil {
		// Only Save sets the payload, after encoding it: this is a bug.
		return State{}, fmt.Errorf("hastore: MemStore holds a payload it cannot decode: %w", err)
	}
	return st, nil
}

// Save stores s, unless FailSaves set an error.
func (m *MemStore) Save(s State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.saveSeen++
	if m.saveErr != nil {
		return m.saveErr
	}
	p, err := encodePayload(s)
	if err != nil {
		return err
	}
	m.payload = p
	return nil
}

// Remove forgets the stored state.
func (m *MemStore) Remove() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if m.saveErr != nil {
		return m.saveErr
	}
	m.payload = nil
	return nil
}

// Close makes every later call return ErrClosed.
func (m *MemStore) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

// FailSaves makes every later Save and Remove return err and store nothing,
// the way a FileStore behaves after a failed fsync; nil restores normal
// operation.
func (m *MemStore) FailSaves(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saveErr = err
}

// Saves returns how many times Save was called, failed calls included.
func (m *MemStore) Saves() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.saveSeen
}
