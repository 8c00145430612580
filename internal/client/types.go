package client

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// APIKey is one long-lived API token. Value is the secret token itself, which the API calls "id";
// Terraform's id of a key is its Fingerprint.
type APIKey struct {
	Value       string
	Description string
	Created     time.Time
	LastUsed    *time.Time // nil when the key was never used
	Type        string

	fingerprint string // Fingerprint(Value), computed once when the key is decoded
}

// Fingerprint is how the provider refers to the key without its secret. Keys from the API carry
// it computed once: N resources that find their key by fingerprint in a list of N keys would
// otherwise hash N² times.
func (k APIKey) Fingerprint() string {
	if k.fingerprint != "" {
		return k.fingerprint
	}
	return Fingerprint(k.Value)
}

// fingerprintPrefix starts every fingerprint, which tells it apart from a token value (64 alphanumerics).
const fingerprintPrefix = "sha256:"

// Fingerprint returns "sha256:" followed by the first 16 hex digits of the SHA-256 of the key value.
// 64 bits keep fingerprints unique among any realistic number of keys, and reveal nothing usable
// about a 64-character random secret.
func Fingerprint(value string) string {
	sum := sha256.Sum256([]byte(value))
	return fingerprintPrefix + hex.EncodeToString(sum[:8])
}

// IsFingerprint reports whether s has the shape of a fingerprint.
func IsFingerprint(s string) bool {
	rest, ok := strings.CutPrefix(s, fingerprintPrefix)
	if !ok || len(rest) != 16 {
		return false
	}
	_, err := hex.DecodeString(rest)
	return err == nil
}

type apiKeyJSON struct {
	Value       string        `json:"id"` // the API calls the key's secret value its id
	Description string        `json:"description"`
	Created     string        `json:"created"`
	LastUsed    *optionalTime `json:"lastUsed"`
	APIKeyType  string        `json:"apiKeyType"`
}

// optionalTime decodes null, "" and an absent field alike as "never".
type optionalTime struct{ t *time.Time }

func (o *optionalTime) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("lastUsed: %w", err)
	}
	if s == "" {
		return nil
	}
	t, err := parseTime(s)
	if err != nil {
		return fmt.Errorf("lastUsed: %w", err)
	}
	o.t = &t
	return nil
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("not an RFC 3339 timestamp: %q", s)
	}
	return t.UTC(), nil
}

// keyListJSON is the answer of GET /api/key. Results is a pointer so that an answer without a
// "results" list (a proxy's "{}") is an error, not a user without keys: that would read as every
// key revoked.
type keyListJSON struct {
	Results *[]apiKeyJSON `json:"results"`
}

func (l keyListJSON) toAPIKeys(redactedURL string) ([]APIKey, error) {
	if l.Results == nil {
		return nil, unreadableAnswer(http.MethodGet, redactedURL, http.StatusOK, nil,
			errors.New(`the answer has no "results" list of keys`))
	}
	keys := make([]APIKey, 0, len(*l.Results))
	for i, j := range *l.Results {
		k, err := j.toAPIKey()
		if err != nil {
			return nil, unreadableAnswer(http.MethodGet, redactedURL, http.StatusOK, nil,
				fmt.Errorf("results[%d]: %w", i, scrubbed{err}))
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func (j apiKeyJSON) toAPIKey() (APIKey, error) {
	if j.Value == "" {
		return APIKey{}, fmt.Errorf("key without id")
	}
	created, err := parseTime(j.Created)
	if err != nil {
		return APIKey{}, fmt.Errorf("created: %w", err)
	}
	k := APIKey{Value: j.Value, Description: j.Description, Created: created, Type: j.APIKeyType, fingerprint: Fingerprint(j.Value)}
	if j.LastUsed != nil {
		k.LastUsed = j.LastUsed.t
	}
	return k, nil
}

// loginRequest is the body of POST /login.
type loginRequest struct {
	Name        string `json:"name"`
	Password    string `json:"password"`
	ReturnToken bool   `json:"returnToken"`
	Tenant      string `json:"tenant,omitempty"`
}

// loginResult is the part of the login answer the provider uses; other fields are ignored.
type loginResult struct {
	Logged     bool   `json:"logged"`
	IsUnlocked bool   `json:"isUnlocked"`
	Token      string `json:"token"`
	Tenant     string `json:"tenant"`
	User       struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"user"`
}

// factor is one second factor sent to POST /login/unlock.
type factor struct {
	Factor   string `json:"factor"` // email, sms or totp
	Password string `json:"password"`
}

// unlockResult is the answer of POST /login/unlock.
type unlockResult struct {
	IsUnlocked bool `json:"isUnlocked"`
	Factors    []struct {
		Factor   string `json:"factor"`
		Unlocked bool   `json:"unlocked"`
	} `json:"factors"`
}
