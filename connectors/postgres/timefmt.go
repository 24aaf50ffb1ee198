package postgres

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"
)

// Decoders of PostgreSQL's text forms of dates and times (DateStyle ISO,
// IntervalStyle postgres, TimeZone UTC: the session parameters the
// connector sets) into Debezium's adaptive time representations.

// Dates count days from 1970-01-01; BC years are astronomical (1 BC = 0).
func decodeDate(s string) (any, error) {
	switch s {
	case "infinity":
		return int32(math.MaxInt32), nil
	case "-infinity":
		return int32(math.MinInt32), nil
	}
	y, m, d, rest, err := parseYMD(s)
	if err != nil || rest != "" {
		return nil, fmt.Errorf("date %q: bad format", s)
	}
	return int32(daysFromCivil(y, m, d)), nil
}

// parseYMD parses "YYYY-MM-DD" with an optional trailing " BC" anywhere
// after it; rest is what follows the date (without the BC marker).
func parseYMD(s string) (y, m, d int64, rest string, err error) {
	bc := strings.HasSuffix(s, " BC")
	s = strings.TrimSuffix(s, " BC")
	i := strings.IndexByte(s, '-')
	if i < 1 || len(s) < i+6 {
		return 0, 0, 0, "", fmt.Errorf("bad date")
	}
	y, err1 := strconv.ParseInt(s[:i], 10, 64)
	m, err2 := strconv.ParseInt(s[i+1:i+3], 10, 64)
	d, err3 := strconv.ParseInt(s[i+4:i+6], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || s[i+3] != '-' {
		return 0, 0, 0, "", fmt.Errorf("bad date")
	}
	if bc {
		y = 1 - y
	}
	return y, m, d, s[i+6:], nil
}

// daysFromCivil is Howard Hinnant's days_from_civil (proleptic Gregorian).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// parseTimeOfDay parses "HH:MM:SS[.ffffff]" into microseconds of the day.
func parseTimeOfDay(s string) (int64, error) {
	if len(s) < 8 || s[2] != ':' || s[5] != ':' {
		return 0, fmt.Errorf("time %q: bad format", s)
	}
	h, err1 := strconv.ParseInt(s[0:2], 10, 64)
	mi, err2 := strconv.ParseInt(s[3:5], 10, 64)
	sec, err3 := strconv.ParseInt(s[6:8], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, fmt.Errorf("time %q: bad format", s)
	}
	us := ((h*60+mi)*60 + sec) * 1_000_000
	if frac := s[8:]; frac != "" {
		if frac[0] != '.' || len(frac) > 7 {
			return 0, fmt.Errorf("time %q: bad fraction", s)
		}
		f, err := strconv.ParseInt((frac[1:] + "000000")[:6], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("time %q: bad fraction", s)
		}
		us += f
	}
	return us, nil
}

// splitZone splits "03:04:05.1+05:30" into the time and the offset in seconds.
func splitZone(s string) (string, int64, error) {
	i := strings.LastIndexAny(s, "+-")
	if i < 8 {
		return "", 0, fmt.Errorf("%q: no zone offset", s)
	}
	sign := int64(1)
	if s[i] == '-' {
		sign = -1
	}
	var off int64
	for k, part := range strings.Split(s[i+1:], ":") {
		n, err := strconv.ParseInt(part, 10, 64)
		if err != nil || k > 2 {
			return "", 0, fmt.Errorf("%q: bad zone offset", s)
		}
		off += n * []int64{3600, 60, 1}[k]
	}
	return s[:i], sign * off, nil
}

// parseTimestamp parses "YYYY-MM-DD HH:MM:SS[.f][ BC]" into microseconds
// since the epoch; ±infinity become the extreme int64 values.
func parseTimestamp(s string) (int64, error) {
	switch s {
	case "infinity":
		return math.MaxInt64, nil
	case "-infinity":
		return math.MinInt64, nil
	}
	y, m, d, rest, err := parseYMD(s)
	if err != nil || len(rest) < 1 || rest[0] != ' ' {
		return 0, fmt.Errorf("timestamp %q: bad format", s)
	}
	us, err := parseTimeOfDay(rest[1:])
	if err != nil {
		return 0, fmt.Errorf("timestamp %q: %v", s, err)
	}
	return daysFromCivil(y, m, d)*86_400_000_000 + us, nil
}

func decodeTimestamptz(s string) (any, error) {
	if s == "infinity" || s == "-infinity" {
		return s, nil
	}
	bc := strings.HasSuffix(s, " BC")
	local, off, err := splitZone(strings.TrimSuffix(s, " BC"))
	if err != nil {
		return nil, fmt.Errorf("timestamptz: %v", err)
	}
	if bc {
		local += " BC"
	}
	us, err := parseTimestamp(local)
	if err != nil {
		return nil, err
	}
	return formatZoned(us - off*1_000_000), nil
}

// formatZoned formats microseconds since the epoch as ISO-8601 in UTC the
// way Debezium's ZonedTimestamp does (fraction without trailing zeros).
func formatZoned(us int64) string {
	days := floorDiv(us, 86_400_000_000)
	y, m, d := civilFromDays(days)
	tod := us - days*86_400_000_000
	var b strings.Builder
	if y < 0 || y > 9999 {
		fmt.Fprintf(&b, "%+05d", y)
	} else {
		fmt.Fprintf(&b, "%04d", y)
	}
	fmt.Fprintf(&b, "-%02d-%02dT%s", m, d, formatTimeOfDay(tod))
	b.WriteByte('Z')
	return b.String()
}

func formatTimeOfDay(us int64) string {
	s := fmt.Sprintf("%02d:%02d:%02d", us/3_600_000_000, us/60_000_000%60, us/1_000_000%60)
	if f := us % 1_000_000; f != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%06d", f), "0")
	}
	return s
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func decodeTimetz(s string) (any, error) {
	local, off, err := splitZone(s)
	if err != nil {
		return nil, fmt.Errorf("timetz: %v", err)
	}
	us, err := parseTimeOfDay(local)
	if err != nil {
		return nil, err
	}
	us = ((us-off*1_000_000)%86_400_000_000 + 86_400_000_000) % 86_400_000_000
	return formatTimeOfDay(us) + "Z", nil
}

// daysPerMonth is Debezium's average month (365.25 / 12 days) in MicroDuration.
const daysPerMonth = 30.4375

func decodeInterval(s string) (any, error) {
	var iv pgtype.Interval
	if err := iv.Scan(s); err != nil {
		return nil, fmt.Errorf("interval %q: %v", s, err)
	}
	return int64(float64(iv.Months)*daysPerMonth*86_400_000_000) + int64(iv.Days)*86_400_000_000 + iv.Microseconds, nil
}
