package procfile

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// DecodeExported reads the processes a build exported in SLIPWAY_PROCESSES:
// base64 (standard alphabet, padded) of a JSON object mapping process names
// to commands. The result is validated; "" decodes to no processes, which
// is invalid.
func DecodeExported(value string) (map[string]string, error) {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("SLIPWAY_PROCESSES is not base64: %w", err)
	}
	procs := map[string]string{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &procs); err != nil {
			return nil, fmt.Errorf("SLIPWAY_PROCESSES is not a JSON object of strings: %w", err)
		}
	}
	if err := Validate(procs); err != nil {
		return nil, err
	}
	return procs, nil
}
