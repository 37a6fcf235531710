// Command pairserver serves the pair of bench.Start until interrupted and
// prints its URLs and token as shell assignments (bench/run.sh reads them).
// BENCH_CPUPROFILE=<file> writes the servers' CPU profile there at exit.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/slipway-paas/slipway/bench"
)

func main() {
	level := slog.LevelInfo // the request log on, as measured; LOG_LEVEL=warn turns it off
	_ = level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL")))
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	p, err := bench.Start(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pairserver:", err)
		os.Exit(1)
	}
	defer p.Close()
	if path := os.Getenv("BENCH_CPUPROFILE"); path != "" { // the servers' CPU profile, written at exit
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); _ = f.Close() }()
		}
	}
	fmt.Printf("APP_URL=%s\nBARE_URL=%s\nTOKEN=%s\n", p.AppURL, p.BareURL, bench.Token)
	<-ctx.Done()
}
