package offers_test

import (
	"fmt"

	"github.com/flink-mesos/flink-mesos/offers"
)

func ExamplePlace() {
	agent := func(id string, cpus, mem float64) offers.Offer {
		return offers.Offer{
			ID: "offer-" + id, AgentID: "agent-" + id, Hostname: id + ".example.com",
			Resources: []offers.Resource{
				{Name: "cpus", Scalar: cpus},
				{Name: "mem", Scalar: mem},
				{Name: "ports", Kind: offers.KindRanges, Ranges: []offers.Range{{Begin: 31000, End: 31099}}},
			},
		}
	}
	tm := func(n int) offers.Task {
		return offers.Task{ID: fmt.Sprintf("taskmanager-%05d", n), Group: "taskmanager", CPUs: 2, MemMB: 4096, Ports: 2}
	}
	plan, err := offers.Place(offers.Input{
		Offers: []offers.Offer{agent("a", 8, 16384), agent("b", 4, 8192)},
		Tasks:  []offers.Task{tm(1), tm(2), tm(3), {ID: "taskmanager-00004", Group: "taskmanager", CPUs: 2, MemMB: 65536}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range plan.Launches {
		fmt.Println("launch on", l.Hostname, "with", l.OfferIDs)
		for _, t := range l.Tasks {
			fmt.Println(" ", t.TaskID, "ports", t.Ports)
		}
	}
	fmt.Println("decline", plan.Declines)
	for _, u := range plan.Unplaced {
		fmt.Println("unplaced", u.TaskID+":", u.Reason)
	}
	// Output:
	// launch on a.example.com with [offer-a]
	//   taskmanager-00001 ports [31000 31001]
	//   taskmanager-00002 ports [31002 31003]
	//   taskmanager-00003 ports [31004 31005]
	// decline [offer-b]
	// unplaced taskmanager-00004: needs 65536 MB mem, the largest offer has 16384 MB
}
