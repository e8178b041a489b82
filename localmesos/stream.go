package localmesos

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/flink-mesos/flink-mesos/localmesos/internal/wire"
	"github.com/flink-mesos/flink-mesos/mesoshttp/recordio"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// stream is one SUBSCRIBE response: a queue of RecordIO records that the
// loop fills and the request's handler goroutine writes out, one HTTP chunk
// per record, with heartbeats in between.
type stream struct {
	id        string // Mesos-Stream-Id
	mediaType string
	heartbeat []byte // the encoded HEARTBEAT record

	// mu guards the following: the hand-over between the loop (producer)
	// and the handler goroutine (consumer).
	mu      sync.Mutex
	queue   [][]byte
	state   streamState
	beating bool // periodic heartbeats started
	wake    chan struct{}
}

type streamState int

const (
	streamOpen     streamState = iota
	streamClosing              // write what is queued, then end with the final chunk
	streamAborting             // drop the connection without the final chunk
)

func newStream(mediaType string) *stream {
	hb, _ := wire.EncodeEvent(mediaType, &mesospb.Event{Type: mesospb.Event_HEARTBEAT.Enum()})
	return &stream{
		id:        uuidString(newUUID()),
		mediaType: mediaType,
		heartbeat: recordio.AppendFrame(nil, hb),
		wake:      make(chan struct{}, 1),
	}
}

func (st *stream) notify() {
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

// sendEvent encodes ev and queues it.
func (st *stream) sendEvent(ev *mesospb.Event) error {
	b, err := wire.EncodeEvent(st.mediaType, ev)
	if err != nil {
		return err
	}
	st.enqueue(recordio.AppendFrame(make([]byte, 0, len(b)+12), b))
	return nil
}

func (st *stream) enqueue(rec []byte) {
	st.mu.Lock()
	if st.state == streamOpen {
		st.queue = append(st.queue, rec)
	}
	st.mu.Unlock()
	st.notify()
}

// startHeartbeats queues the immediate HEARTBEAT that follows SUBSCRIBED
// and starts the periodic ones.
func (st *stream) startHeartbeats(paused bool) {
	if !paused {
		st.enqueue(st.heartbeat)
	}
	st.mu.Lock()
	st.beating = true
	st.mu.Unlock()
	st.notify()
}

// close ends the stream cleanly after what is queued (the master closing
// its pipe writer).
func (st *stream) close() { st.setState(streamClosing) }

// abort cuts the connection without the terminating chunk, as a crashed
// master or a broken network would.
func (st *stream) abort() { st.setState(streamAborting) }

func (st *stream) setState(s streamState) {
	st.mu.Lock()
	if st.state < s {
		st.state = s
	}
	st.mu.Unlock()
	st.notify()
}

// serve writes the stream until it is closed, aborted or the client goes
// away, and reports which. It runs on the SUBSCRIBE handler's goroutine.
func (st *stream) serve(ctx context.Context, w http.ResponseWriter, interval time.Duration, paused func() bool) (clientGone bool) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", st.mediaType)
	w.Header().Set("Mesos-Stream-Id", st.id)
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return true
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	beating := false
	for {
		st.mu.Lock()
		queue, state, hb := st.queue, st.state, st.beating
		st.queue = nil
		st.mu.Unlock()
		if hb && !beating {
			// The interval counts from the HEARTBEAT after SUBSCRIBED.
			beating = true
			ticker.Reset(interval)
		}
		if state == streamAborting {
			abortConnection(rc)
			return false
		}
		for _, rec := range queue {
			if _, err := w.Write(rec); err != nil {
				return true
			}
			if err := rc.Flush(); err != nil {
				return true
			}
		}
		if state == streamClosing {
			return false
		}
		select {
		case <-st.wake:
		case <-ticker.C:
			if beating && !paused() {
				st.enqueue(st.heartbeat)
			}
		case <-ctx.Done():
			return true
		}
	}
}

// abortConnection closes the TCP connection under a response that has
// started, so the client sees the stream end without the final chunk.
func abortConnection(rc *http.ResponseController) {
	conn, _, err := rc.Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): the server's own abort mechanism
		// resets the stream without finishing the response.
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}
