package offers

import (
	"fmt"
	"log/slog"
)

// Kind is the value type of an offered resource.
type Kind uint8

const (
	KindScalar Kind = iota // a number: cpus, mem, disk, gpus, any named scalar
	KindRanges             // ranges of integers: ports
	KindSet                // a set of strings; never handed out, kept so indices match the offer
)

// Range is the inclusive port range [Begin, End].
type Range struct{ Begin, End uint64 }

func (r Range) String() string { return fmt.Sprintf("%d-%d", r.Begin, r.End) }

// Resource is one resource entry of an offer, in the offer's order.
type Resource struct {
	Name   string
	Kind   Kind
	Scalar float64 // KindScalar: the amount (cpus, MB for mem and disk, ...)
	Ranges []Range // KindRanges

	// Reservation is the role the resource is reserved to ("" means
	// unreserved): the last entry of Mesos' reservations list, or the
	// pre-refinement role when it is not "*".
	Reservation string

	// Resources with any of these are never handed out: revocable resources
	// can be taken away under a running TaskManager, shared ones are
	// persistent volumes, and disks with a source (MOUNT, PATH, ...) or a
	// persistence cannot be split.
	Revocable  bool
	Shared     bool
	DiskSource string // Mesos DiskInfo.Source.Type name ("MOUNT", "PATH", ...); "" for plain disk
	Persistent bool   // disk with a persistence or volume
}

// Attribute is an agent attribute as text: TEXT values as they are, SCALAR
// values in decimal with Mesos' three digits ("2", "1.5"), RANGES as
// "[31000-32000, 33000-34000]" and SET as "{a, b}", as Mesos prints them.
type Attribute struct {
	Name   string
	Value  string
	Scalar bool // Value is a number: constraints compare it numerically, so "2" matches "2.0"
}

// Offer is one Mesos offer: resources of one agent, allocated to one role.
type Offer struct {
	ID       string
	AgentID  string
	Hostname string
	// Role is the offer's allocation role (allocation_info.role), set by
	// masters for MULTI_ROLE frameworks; "" otherwise.
	Role       string
	Resources  []Resource
	Attributes []Attribute
}

// Constraint is a hard host-attribute constraint: the agent's attribute
// named Attribute must have exactly the text Value. The name HOSTNAME means
// the agent's hostname. An agent without the attribute does not satisfy it.
type Constraint struct{ Attribute, Value string }

func (c Constraint) String() string { return c.Attribute + "=" + c.Value }

// Task is one pending task and what it needs.
type Task struct {
	ID string
	// Group names the tasks that MaxPerHost counts together, e.g.
	// "taskmanager".
	Group string

	CPUs   float64
	MemMB  float64
	DiskMB float64
	GPUs   float64
	// Scalars are further named scalar resources, e.g. {"network": 100}.
	// The names cpus, mem, disk, gpus and ports are not allowed here.
	Scalars map[string]float64
	// Ports is how many ports the task needs, at most MaxPorts.
	Ports int

	Constraints []Constraint // all must hold
	MaxPerHost  int          // tasks of Group per hostname, counting Running; 0 means no limit
}

// Running says how many tasks of a group already run on a host.
type Running struct {
	Hostname string
	Group    string
	Count    int
}

// Strategy chooses how tasks are spread over agents.
type Strategy uint8

const (
	// Binpack uses as few agents as possible, filling the fullest first.
	Binpack Strategy = iota
	// Spread puts each task on the agent with the fewest tasks of its
	// group, then the most free resources.
	Spread
)

func (s Strategy) String() string {
	switch s {
	case Binpack:
		return "binpack"
	case Spread:
		return "spread"
	}
	return fmt.Sprintf("Strategy(%d)", uint8(s))
}

// ParseStrategy reads "binpack" or "spread".
func ParseStrategy(s string) (Strategy, error) {
	switch s {
	case "binpack":
		return Binpack, nil
	case "spread":
		return Spread, nil
	}
	return 0, fmt.Errorf("offers: placement strategy %q is unknown; allowed are binpack and spread", s)
}

// Input is everything Place looks at.
type Input struct {
	Offers []Offer
	Tasks  []Task // in priority order: of equal tasks, earlier ones are placed first
	// Roles are the framework's roles; empty means the single role "*".
	Roles    []string
	Strategy Strategy
	Running  []Running
}

// Plan is the result of Place: every valid offer is in exactly one Launch or
// in Declines, and every task is either in a Launch or in Unplaced.
type Plan struct {
	Launches []Launch
	// Declines are the offers to decline, in input order.
	Declines []string
	// Unplaced are the tasks not placed, in input order.
	Unplaced []Unplaced
	// BadOffers are the offers Place refused as malformed, in input order.
	// They are also in Declines, unless their ID is empty or repeats an
	// earlier offer's.
	BadOffers []*OfferError
}

// Launch is what to ACCEPT on one agent for one allocation role: all its
// tasks go into one LAUNCH operation on these offers.
type Launch struct {
	AgentID  string
	Hostname string
	Role     string   // the offers' allocation role; "" without MULTI_ROLE
	OfferIDs []string // the offers that contributed, sorted
	Tasks    []Placement
}

// Placement is one task's exact share of a Launch's offers.
type Placement struct {
	TaskID string
	// Resources are in TaskInfo order: cpus, gpus, mem, disk, the other
	// scalars by name, then ports.
	Resources []Piece
	// Ports are the task's port numbers in request order.
	Ports []uint64
}

// Piece is a part of one offered resource: the Index-th resource of offer
// OfferID, cut down to Scalar or Ranges. Everything else about it
// (reservation, allocation, disk, provider) is the source resource's.
type Piece struct {
	OfferID string
	Index   int
	Name    string
	Scalar  float64 // scalar pieces, a multiple of 0.001
	Ranges  []Range // ports pieces
}

// Unplaced is a task that did not get resources, and why. Reason matches
// one of ErrNoOffers, ErrConstraint, ErrMaxPerHost, ErrInsufficient,
// ErrInvalidTask or ErrDuplicateTask with errors.Is, and its text names
// what is missing, e.g. "needs 4096 MB mem, the largest offer has 2048 MB".
type Unplaced struct {
	TaskID string
	Reason error
}

// LogAttrs summarises the plan for a log line.
func (p Plan) LogAttrs() []slog.Attr {
	tasks := 0
	agents := map[string]struct{}{}
	for _, l := range p.Launches {
		tasks += len(l.Tasks)
		agents[l.AgentID] = struct{}{}
	}
	return []slog.Attr{
		slog.Int("launches", len(p.Launches)),
		slog.Int("tasks", tasks),
		slog.Int("agents", len(agents)),
		slog.Int("declines", len(p.Declines)),
		slog.Int("unplaced", len(p.Unplaced)),
		slog.Int("bad_offers", len(p.BadOffers)),
	}
}
