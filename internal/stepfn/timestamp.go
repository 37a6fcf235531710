package stepfn

import (
	"strings"
	"time"
)

// timestampKind classifies a string as a Step Functions timestamp.
type timestampKind int

const (
	// timestampValid: an RFC 3339 date-time with uppercase T and Z, seconds,
	// and at most nine fraction digits, e.g. 2016-03-14T01:59:00Z. AWS
	// accepts these.
	timestampValid timestampKind = iota
	// timestampInvalid: AWS rejects it (its messages name Java's
	// "ISO-8601 extended offset date-time format").
	timestampInvalid
	// timestampAmbiguous: Java's ISO_OFFSET_DATE_TIME parser accepts it but
	// the documented RFC 3339 profile does not (lowercase t or z, no
	// seconds, an offset with seconds). The corpus does not say which rule
	// AWS applies, so the executor refuses to decide.
	timestampAmbiguous
)

// parseTimestamp parses s as an ISO-8601 extended offset date-time:
// yyyy-MM-ddTHH:mm[:ss[.fffffffff]](Z|±HH:MM[:SS]).
func parseTimestamp(s string) (time.Time, timestampKind) {
	ambiguous := false
	p := &scanner{s: s}
	year, ok1 := p.digits(4)
	ok2 := p.char('-')
	month, ok3 := p.digits(2)
	ok4 := p.char('-')
	day, ok5 := p.digits(2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return time.Time{}, timestampInvalid
	}
	switch {
	case p.char('T'):
	case p.char('t'):
		ambiguous = true
	default:
		return time.Time{}, timestampInvalid
	}
	hour, ok1 := p.digits(2)
	ok2 = p.char(':')
	minute, ok3 := p.digits(2)
	if !(ok1 && ok2 && ok3) {
		return time.Time{}, timestampInvalid
	}
	second, nanos := 0, 0
	if p.char(':') {
		var ok bool
		if second, ok = p.digits(2); !ok {
			return time.Time{}, timestampInvalid
		}
		if p.char('.') {
			start := p.pos
			for p.pos < len(s) && isDigit(s[p.pos]) {
				p.pos++
			}
			fraction := s[start:p.pos]
			if len(fraction) == 0 || len(fraction) > 9 {
				return time.Time{}, timestampInvalid
			}
			nanos = atoiDigits(fraction + strings.Repeat("0", 9-len(fraction)))
		}
	} else {
		ambiguous = true
	}
	offset := 0
	switch {
	case p.char('Z'):
	case p.char('z'):
		ambiguous = true
	case p.pos < len(s) && (s[p.pos] == '+' || s[p.pos] == '-'):
		sign := 1
		if s[p.pos] == '-' {
			sign = -1
		}
		p.pos++
		oh, ok1 := p.digits(2)
		ok2 := p.char(':')
		om, ok3 := p.digits(2)
		if !(ok1 && ok2 && ok3) || om > 59 {
			return time.Time{}, timestampInvalid
		}
		os := 0
		if p.char(':') {
			var ok bool
			if os, ok = p.digits(2); !ok || os > 59 {
				return time.Time{}, timestampInvalid
			}
			ambiguous = true
		}
		offset = sign * (oh*3600 + om*60 + os)
		if oh > 18 || offset > 18*3600 || offset < -18*3600 {
			return time.Time{}, timestampInvalid
		}
	default:
		return time.Time{}, timestampInvalid
	}
	if p.pos != len(s) {
		return time.Time{}, timestampInvalid
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
		hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, timestampInvalid
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, nanos, time.FixedZone("", offset))
	if ambiguous {
		return t, timestampAmbiguous
	}
	return t, timestampValid
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

type scanner struct {
	s   string
	pos int
}

func (p *scanner) char(c byte) bool {
	if p.pos < len(p.s) && p.s[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *scanner) digits(n int) (int, bool) {
	if p.pos+n > len(p.s) {
		return 0, false
	}
	for i := 0; i < n; i++ {
		if !isDigit(p.s[p.pos+i]) {
			return 0, false
		}
	}
	v := atoiDigits(p.s[p.pos : p.pos+n])
	p.pos += n
	return v, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func atoiDigits(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

// formatContextTime renders times in the context object the way AWS does,
// e.g. 2019-03-26T20:14:13.192Z.
func formatContextTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
