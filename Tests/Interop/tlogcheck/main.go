// tlogcheck checks Shiplog's checkpoints, cosignatures, receipts and consistency proofs with
// Go's golang.org/x/mod/sumdb/note and sumdb/tlog: a second, independent implementation of
// C2SP signed-note / tlog-checkpoint / tlog-cosignature and RFC 6962 proofs.
//
// Build: GO111MODULE=off GOPATH=/usr/share/gocode go build -o tlogcheck main.go
//
//	tlogcheck note FILE LOG_VKEY [WITNESS_VKEY...]
//	tlogcheck receipt FILE LOG_VKEY
//	tlogcheck consistency OLD_CHECKPOINT NEW_CHECKPOINT PROOF_FILE LOG_VKEY
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// cosignatureVerifier verifies C2SP tlog-cosignature/v1 (type 0x04), which note 0.7 lacks.
type cosignatureVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (v cosignatureVerifier) Name() string    { return v.name }
func (v cosignatureVerifier) KeyHash() uint32 { return v.hash }
func (v cosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	message := fmt.Sprintf("cosignature/v1\ntime %d\n%s", t, msg)
	return ed25519.Verify(v.key, []byte(message), sig[8:])
}

func verifier(vkey string) (note.Verifier, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) == 3 {
		key, err := base64.StdEncoding.DecodeString(parts[2])
		if err == nil && len(key) == 33 && key[0] == 0x04 {
			hash, err := strconv.ParseUint(parts[1], 16, 32)
			if err != nil {
				return nil, err
			}
			sum := sha256.Sum256(append([]byte(parts[0]+"\n"), key...))
			if binary.BigEndian.Uint32(sum[:4]) != uint32(hash) {
				return nil, errors.New("cosignature key hash mismatch")
			}
			return cosignatureVerifier{parts[0], uint32(hash), ed25519.PublicKey(key[1:])}, nil
		}
	}
	return note.NewVerifier(vkey)
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func openCheckpoint(text []byte, vkeys ...string) (checkpoint, *note.Note, error) {
	var verifiers []note.Verifier
	for _, vkey := range vkeys {
		v, err := verifier(vkey)
		if err != nil {
			return checkpoint{}, nil, fmt.Errorf("verifier key %q: %v", vkey, err)
		}
		verifiers = append(verifiers, v)
	}
	n, err := note.Open(text, note.VerifierList(verifiers...))
	if err != nil {
		return checkpoint{}, nil, err
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 {
		return checkpoint{}, nil, errors.New("not a checkpoint")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return checkpoint{}, nil, err
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return checkpoint{}, nil, err
	}
	return checkpoint{lines[0], size, root}, n, nil
}

func str(buffer []byte, s string) []byte {
	buffer = binary.BigEndian.AppendUint32(buffer, uint32(len(s)))
	return append(buffer, s...)
}

// The README's canonical encoding of an event: what a leaf of the tree covers.
func canonical(e entry) ([]byte, error) {
	id, err := hex.DecodeString(strings.ReplaceAll(e.ID, "-", ""))
	if err != nil || len(id) != 16 {
		return nil, fmt.Errorf("event id %q", e.ID)
	}
	b := binary.BigEndian.AppendUint64(nil, uint64(e.Position))
	b = append(b, id...)
	b = str(b, e.Stream)
	b = binary.BigEndian.AppendUint64(b, uint64(e.StreamVersion))
	b = str(b, e.Type)
	b = str(b, e.Payload)
	b = str(b, e.Metadata)
	b = binary.BigEndian.AppendUint64(b, uint64(e.RecordedAt))
	return str(b, e.Actor), nil
}

type entry struct {
	Position      int64    `json:"position"`
	ID            string   `json:"id"`
	Stream        string   `json:"stream"`
	StreamVersion int64    `json:"streamVersion"`
	Type          string   `json:"type"`
	Payload       string   `json:"payload"`
	Metadata      string   `json:"metadata"`
	RecordedAt    int64    `json:"recordedAt"`
	Actor         string   `json:"actor"`
	Proof         []string `json:"proof"`
}

type receipt struct {
	Format     string  `json:"format"`
	Checkpoint string  `json:"checkpoint"`
	Entries    []entry `json:"entries"`
}

func hashes(lines []string) ([]tlog.Hash, error) {
	var out []tlog.Hash
	for _, line := range lines {
		if line == "" {
			continue
		}
		h, err := tlog.ParseHash(line)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

func run(args []string) error {
	if len(args) < 3 {
		return errors.New("usage: tlogcheck note|receipt|consistency ...")
	}
	switch args[0] {
	case "note":
		text, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		c, n, err := openCheckpoint(text, args[2:]...)
		if err != nil {
			return err
		}
		fmt.Printf("ok: checkpoint %s %d, %d signatures verified\n", c.origin, c.size, len(n.Sigs))
	case "receipt":
		data, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		var r receipt
		if err := json.Unmarshal(data, &r); err != nil {
			return err
		}
		c, _, err := openCheckpoint([]byte(r.Checkpoint), args[2])
		if err != nil {
			return err
		}
		for _, e := range r.Entries {
			data, err := canonical(e)
			if err != nil {
				return err
			}
			proof, err := hashes(e.Proof)
			if err != nil {
				return err
			}
			if err := tlog.CheckRecord(proof, c.size, c.root, e.Position-1, tlog.RecordHash(data)); err != nil {
				return fmt.Errorf("event %d: %v", e.Position, err)
			}
		}
		fmt.Printf("ok: %d events included in checkpoint %d\n", len(r.Entries), c.size)
	case "consistency":
		if len(args) != 5 {
			return errors.New("usage: tlogcheck consistency OLD NEW PROOF LOG_VKEY")
		}
		var checkpoints []checkpoint
		for _, file := range args[1:3] {
			text, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			c, _, err := openCheckpoint(text, args[4])
			if err != nil {
				return err
			}
			checkpoints = append(checkpoints, c)
		}
		text, err := os.ReadFile(args[3])
		if err != nil {
			return err
		}
		proof, err := hashes(strings.Split(string(text), "\n"))
		if err != nil {
			return err
		}
		old, new := checkpoints[0], checkpoints[1]
		if err := tlog.CheckTree(proof, new.size, new.root, old.size, old.root); err != nil {
			return err
		}
		fmt.Printf("ok: checkpoint %d extends checkpoint %d\n", new.size, old.size)
	default:
		return fmt.Errorf("unknown check %q", args[0])
	}
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck:", err)
		os.Exit(1)
	}
}
