package datagen

// rng is splitmix64: tiny, fast, and good enough for test data. It is
// seeded per record from (seed, task, seq), which makes every record a pure
// function of its number.
type rng struct{ s uint64 }

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func newRNG(seed, task, seq int64) rng {
	return rng{s: mix64(uint64(seed)^mix64(uint64(task)+0x9e3779b97f4a7c15)) ^ uint64(seq)*0x9e3779b97f4a7c15}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// intn returns a number in [0, n); n > 0. The modulo bias is irrelevant here.
func (r *rng) intn(n uint64) uint64 { return r.next() % n }
