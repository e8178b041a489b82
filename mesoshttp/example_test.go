package mesoshttp_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// The owner loop of a framework: one goroutine receives everything, keeps
// offers only per subscription, answers through the subscription the
// notification came with, and tears the framework down when done.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	master, err := localmesos.New(localmesos.Config{AllocationInterval: 10 * time.Millisecond, WorkDir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer master.Close()

	client, err := mesoshttp.New(mesoshttp.Config{Masters: []string{master.URL()}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	info := &mesospb.Call_Subscribe{FrameworkInfo: &mesospb.FrameworkInfo{
		User: proto.String("flink"), Name: proto.String("example"), FailoverTimeout: proto.Float64(3600),
	}}
	var offers []*mesospb.Offer // of the current subscription only
	for n := range client.Run(ctx, func() *mesospb.Call_Subscribe { return info }) {
		switch n := n.(type) {
		case mesoshttp.Subscribed:
			offers = nil // the master has discarded them
			fmt.Println("subscribed, generation", n.Sub.Generation())
		case mesoshttp.Event:
			if n.Event.GetType() != mesospb.Event_OFFERS {
				continue
			}
			offers = append(offers, n.Event.GetOffers().GetOffers()...)
			fmt.Println("outstanding offers:", len(offers))
			// Nothing to launch: give them back, then leave.
			if err := n.Sub.Call(ctx, mesoshttp.Decline(mesoshttp.OfferIDs(offers...), nil)); err != nil {
				fmt.Println(err)
			}
			offers = nil
			if err := n.Sub.Call(ctx, mesoshttp.Teardown()); err != nil {
				fmt.Println(err)
			}
		case mesoshttp.Disconnected:
			fmt.Println("disconnected:", n.Err)
		case mesoshttp.Fatal:
			fmt.Println("stopped; torn down:", errors.Is(n.Err, mesoshttp.ErrTornDown))
		}
	}
	// Output:
	// subscribed, generation 1
	// outstanding offers: 1
	// stopped; torn down: true
}
