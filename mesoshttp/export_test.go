package mesoshttp

import (
	"context"
	"net"
)

// SetDial makes a Config dial through d (tests serve a fake master over
// in-memory pipes inside synctest bubbles).
func SetDial(cfg *Config, d func(ctx context.Context, network, addr string) (net.Conn, error)) {
	cfg.dial = d
}

// Internal functions with their own table tests and fuzz targets.
var (
	ResolveLocation = resolveLocation
	ParseMaster     = parseMaster
)

// SetMaxOutstandingOffers lowers the offer bound for a test and returns
// the function that restores it.
func SetMaxOutstandingOffers(n int) (restore func()) {
	old := maxOutstandingOffers
	maxOutstandingOffers = n
	return func() { maxOutstandingOffers = old }
}
