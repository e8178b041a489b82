// Package offers decides where pending tasks run: given the Mesos offers in
// hand and the tasks waiting, Place returns which task goes on which offers
// with exactly which resources and port numbers, which offers to decline,
// and why each task it could not place stays unplaced. It does no I/O and
// keeps no state; the same input always gives the same plan.
//
// # Inputs
//
// An Offer is converted from Mesos by FromMesos (the only code that knows
// the protobuf types, in mesos.go); a Task says what it needs: cpus, mem and
// disk in MB, gpus, other named scalars (e.g. "network"), a number of
// ports, hard host-attribute constraints and a maximum per host for its
// group. Running says how many tasks of each group already run on each
// host. Roles are the framework's roles.
//
// # What may be used
//
// Offers of one agent are combined, but only offers of the same allocation
// role (Offer.Role, allocation_info.role): Mesos refuses an ACCEPT that
// mixes agents or roles, so a task never spans either. Offers for a role the
// framework does not have are declined. A resource is usable if it is
// unreserved or reserved to a role the allocation role may use (that role
// or an ancestor of it, Mesos' Resources::isAllocatableTo); without an
// allocation role, any of the framework's roles counts. Revocable and
// shared resources are never used, nor disks with a source (MOUNT, PATH,
// ...) or a persistence: only plain disk is split.
//
// Scalars are counted as Mesos counts them, in fixed point with three
// decimals (thousandths, rounded half away from zero), so comparisons are
// exact and every amount handed out is a multiple of 0.001. Amounts must
// be finite, non-negative and at most MaxScalar.
//
// # Strategies
//
// Tasks with equal needs (demand, ports, group, constraints, limit) form a
// class and are placed together. Classes go largest first, where size is a
// task's largest share of what all offers together have in any resource;
// tasks of a class go in input order.
//
// Both strategies rank agents by one scale-free score, the fullness after
// n more tasks of the class: the mean, over cpus, mem and every resource
// the class asks for, of used/offered for that agent, in [0, 1].
//
// Binpack (the default) wants the fewest agents. Class by class, it first
// tops up the agents the plan already uses, fullest after the top-up
// first; then it opens new agents, those that fit the most tasks of the
// class first (a whole agent's worth in one step), the fullest afterwards
// among equals, and for the last, partial agent the one the remaining
// tasks fill best. For a single class that needs the fewest agents there
// can be, unless a per-host limit couples agents of one host. Otherwise
// Place also computes two more plans and keeps the one that places the
// most tasks, then uses the fewest agents (the first on ties):
//
//   - first-fit decreasing (FFD): classes largest first, every task on the
//     first agent by hostname, agent ID and role that fits it; so binpack
//     never places fewer tasks than FFD, nor uses more agents for as many;
//   - agent by agent: the largest agent first, filled with the tasks that
//     suit what is left of it best (the dot product of the task's needs
//     and the agent's remaining resources, as shares of its offer: the
//     DotProduct heuristic of Panigrahy et al., "Heuristics for Vector Bin
//     Packing", 2011). Placing shape by shape strands resources when
//     shapes differ (memory-heavy tasks leave cpus idle); mixing shapes on
//     an agent does not.
//
// Spread puts one task at a time on the agent with the fewest tasks of the
// task's group on that host (counting Running), then the least full after
// the task: the same score with the sign flipped.
//
// In both, a task without GPUs tries agents without GPUs left before
// agents with some (Mesos' advice for GPU_RESOURCES frameworks; an agent
// whose GPUs this plan already gave away counts as one without), and the
// last tie-break is hostname, agent ID and role, so the agents chosen do
// not depend on the order offers come in.
//
// # Constraints
//
// A Constraint holds if the agent has an attribute of that name whose
// text (see Attribute) equals the value; scalar attributes also match a
// value equal as a number ("2" and "2.0"). The name HOSTNAME means the
// agent's hostname. A missing attribute does not hold. These are the rules
// of Fenzo's HostAttrValueConstraint, which Flink 1.13 used for
// mesos.constraints.hard.hostattribute, plus the numeric comparison. A
// task with MaxPerHost n goes only to hosts with fewer than n tasks of its
// group, counting Running and this plan.
//
// # Output
//
// A Launch is one agent and allocation role: the offers that contributed
// and the tasks, each with Pieces in TaskInfo order (cpus, gpus, mem, disk,
// other scalars by name, ports) and its ports in request order. Reserved
// resources are handed out before unreserved ones, then by offer ID and
// position, and ports lowest first within a resource; no port is handed out
// twice on an agent. TaskResources turns a Placement into the exact Mesos
// resources, copying the source resource's allocation_info, reservations,
// role and reservation, disk, revocable, shared and provider_id.
//
// Every valid offer is either in one Launch or in Declines; an offer of a
// used agent that contributed nothing is declined. A malformed offer (a
// negative or NaN scalar, a range such as 32000-31000, overlapping ranges,
// ports overlapping another offer of the agent, an ID repeated for the
// agent, which means the same offer was passed twice) is reported
// in BadOffers with an *OfferError naming the offer, resource and value, and
// is declined; the other offers are used as usual. A malformed task (a
// bad amount, no resources at all, an empty constraint, a repeated ID) is
// reported in Unplaced with a *TaskError. Lists are deterministic: Launches
// by hostname, agent ID and role; Declines, Unplaced and BadOffers in input
// order.
//
// # Cost
//
// Place reads every offer once and keeps only a few words per offer: a
// small Swiss table groups offers by agent, a fast lane validates and adds
// up the usual resources, and the large working arrays are reused from
// call to call. For one class it takes time linear in offers and tasks:
// agents alike but for their names are scored once per run of them, the
// agents to open are chosen by a radix selection over their rank (tasks
// they take, fullness, name) instead of by ordering all of them, and a
// whole agent's worth of tasks is placed in one step; a per-host limit
// that couples agents of one host falls back to a heap. Names are compared
// by a key of sixteen bytes taken after the prefix all hostnames share, and
// as strings only where the keys are equal. A plan keeps rows
// of what is left only for the agents it uses. With several classes, the
// FFD plan sorts the agents once, and the agent-by-agent plan looks at
// every class for every task it places.
package offers
