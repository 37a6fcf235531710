package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// milliValue reads the Kubernetes quantities the pod classes use in
// thousandths of their unit, like resource.Quantity's MilliValue: "500m"
// is 500, "1" is 1000, "256Mi" is 256×2^20×1000.
func milliValue(q string) (int64, error) {
	for _, u := range []struct {
		suffix string
		milli  int64
	}{{"m", 1}, {"Ki", 1 << 10 * 1000}, {"Mi", 1 << 20 * 1000}, {"Gi", 1 << 30 * 1000}, {"", 1000}} {
		digits, ok := strings.CutSuffix(q, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || n < 0 {
			break
		}
		return n * u.milli, nil
	}
	return 0, fmt.Errorf("unsupported quantity %q", q)
}
