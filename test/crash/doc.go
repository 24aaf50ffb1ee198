// Package crash holds the broker's crash test: an idempotent acks=all
// producer writes while the broker is SIGKILLed and restarted on the same
// data directory, and afterwards every acknowledged record must be in the
// log exactly once, offsets must be contiguous from 0 and a consumer group's
// earlier commits must be intact.
//
// Env: SLUICE_BIN (see test/internal/brokerproc), SLUICE_CRASH_KILLS (how
// many SIGKILLs, default 5; 0 checks the harness alone, which is all the
// in-memory kfake stand-in can pass).
package crash
