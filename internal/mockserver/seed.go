package mockserver

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/duration"
)

// Seed is initial state for a Server, as read from JSON.
type Seed struct {
	Users []SeedUser `json:"users"`
}

// SeedUser is a User in a seed file.
type SeedUser struct {
	Name       string    `json:"name"`
	Password   string    `json:"password"`
	Tenant     string    `json:"tenant"`
	Email      string    `json:"email"`
	TOTPSecret string    `json:"totp_secret"`
	Keys       []SeedKey `json:"keys"`
}

// SeedKey is a Key in a seed file. Times are absolute (RFC 3339) or relative to
// Now() when the seed is applied ("400d", "36h30m": durations as the provider reads
// them, duration.Parse), so a demo seed stays stale or fresh whatever day it runs.
// A key without LastUsed/LastUsedAgo was never used.
type SeedKey struct {
	Value       string `json:"id"` // the key's secret value; empty: generated
	Description string `json:"description"`
	Created     string `json:"created"`
	LastUsed    string `json:"last_used"`
	CreatedAgo  string `json:"created_ago"`
	LastUsedAgo string `json:"last_used_ago"`
	NeverUsed   bool   `json:"never_used"`
}

//go:embed default_seed.json
var defaultSeed []byte

// DefaultSeed is the demo seed: user "demo" / "demo-password" with three stale
// keys (unused for over 90 days) and three fresh ones.
func DefaultSeed() Seed {
	seed, err := LoadSeed(bytes.NewReader(defaultSeed))
	if err != nil {
		panic("mockserver: embedded default seed: " + err.Error()) // covered by tests
	}
	return seed
}

// LoadSeed decodes a seed. Unknown fields are errors, to catch typos in hand-written files.
func LoadSeed(r io.Reader) (Seed, error) {
	var seed Seed
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&seed); err != nil {
		return Seed{}, fmt.Errorf("decode seed: %w", err)
	}
	return seed, nil
}

// ApplySeed adds the seed's users and keys. It checks the whole seed first, so an
// invalid seed changes nothing.
func (s *Server) ApplySeed(seed Seed) error {
	now := s.opts.Now()
	users := make([]User, 0, len(seed.Users))
	for i, su := range seed.Users {
		if su.Name == "" {
			return fmt.Errorf("seed user #%d: name is required", i+1)
		}
		u := User{Name: su.Name, Password: su.Password, Tenant: su.Tenant, Email: su.Email, TOTPSecret: su.TOTPSecret}
		for j, sk := range su.Keys {
			// Errors name the key by position and description, never by its value.
			k, err := sk.key(now)
			if err != nil {
				return fmt.Errorf("seed user %q key #%d (%q): %w", su.Name, j+1, sk.Description, err)
			}
			u.Keys = append(u.Keys, k)
		}
		users = append(users, u)
	}
	for _, u := range users {
		s.AddUser(u)
	}
	return nil
}

func (sk SeedKey) key(now time.Time) (Key, error) {
	k := Key{Value: sk.Value, Description: sk.Description}
	created, err := seedTime("created", sk.Created, sk.CreatedAgo, now)
	if err != nil {
		return Key{}, err
	}
	if created == nil {
		created = &now
	}
	k.Created = *created
	k.LastUsed, err = seedTime("last_used", sk.LastUsed, sk.LastUsedAgo, now)
	if err != nil {
		return Key{}, err
	}
	if sk.NeverUsed && k.LastUsed != nil {
		return Key{}, errors.New("never_used conflicts with last_used / last_used_ago")
	}
	return k, nil
}

// seedTime reads an absolute or a relative time; nil when both are empty.
func seedTime(field, abs, ago string, now time.Time) (*time.Time, error) {
	switch {
	case abs != "" && ago != "":
		return nil, fmt.Errorf("set %s or %s_ago, not both", field, field)
	case abs != "":
		t, err := time.Parse(time.RFC3339, abs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		return &t, nil
	case ago != "":
		d, err := duration.Parse(ago)
		if err != nil {
			return nil, fmt.Errorf("%s_ago: %w", field, err)
		}
		t := now.Add(-d)
		return &t, nil
	}
	return nil, nil
}
