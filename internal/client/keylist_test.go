package client

import "testing"

// A key that a create made is in the shared list once, even when a list that ran beside the
// create (the adoption check of another description's lost create) brought it already.
func TestKeyList_addKeepsOneEntryPerKey(t *testing.T) {
	t.Parallel()
	old, created := APIKey{Value: "old-key"}, APIKey{Value: "created-key"}
	l := &keyList{cached: []APIKey{old, created}} // as cached by a list that saw the new key
	l.add(created)
	if got := l.snapshot(); len(got) != 2 {
		t.Errorf("the list holds %d keys after adding one it had, want 2: %v", len(got), got)
	}
	l.add(APIKey{Value: "another-key"})
	if got := l.snapshot(); len(got) != 3 {
		t.Errorf("the list holds %d keys after adding a new one, want 3", len(got))
	}
}
