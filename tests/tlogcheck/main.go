// tlogcheck verifies an extracted klaxon evidence bundle with Go's golang.org/x/mod/sumdb/tlog
// and note packages: an RFC 6962 / C2SP signed-note implementation that shares no code with
// klaxon's. It checks the manifest's file digests, the checkpoint's signature, every receipt's
// inclusion proof (the leaf hash taken over the line's exact bytes) and the consistency proof
// from the previous export's checkpoint.
//
//	usage: tlogcheck BUNDLE_DIR SERVER_PUB
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", args...)
	os.Exit(1)
}

func read(dir, name string) []byte {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		die("%v", err)
	}
	return b
}

func hashOf(s string) tlog.Hash {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != len(h) {
		die("%q is not a base64 SHA-256", s)
	}
	copy(h[:], b)
	return h
}

// The server's minisign public key as a signed-note verifier named "klaxon-<KEY ID>".
func verifier(pubPath string) note.Verifiers {
	lines := strings.Split(strings.TrimSpace(string(read(filepath.Dir(pubPath), filepath.Base(pubPath)))), "\n")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(lines[len(lines)-1]))
	if err != nil || len(raw) != 42 || string(raw[:2]) != "Ed" {
		die("%s is not a minisign public key", pubPath)
	}
	name := fmt.Sprintf("klaxon-%016X", binary.LittleEndian.Uint64(raw[2:10]))
	vkey, err := note.NewEd25519VerifierKey(name, ed25519.PublicKey(raw[10:]))
	if err != nil {
		die("%v", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		die("%v", err)
	}
	return note.VerifierList(v)
}

type tree struct {
	origin string
	size   int64
	root   tlog.Hash
}

func openCheckpoint(dir, name string, vs note.Verifiers) tree {
	n, err := note.Open(read(dir, name), vs)
	if err != nil {
		die("%s: %v", name, err)
	}
	l := strings.Split(n.Text, "\n")
	if len(l) < 4 {
		die("%s: not a checkpoint", name)
	}
	size, err := strconv.ParseInt(l[1], 10, 64)
	if err != nil {
		die("%s: bad size", name)
	}
	return tree{l[0], size, hashOf(l[2])}
}

func checkManifest(dir string) {
	var m struct {
		Files []struct {
			Name   string `json:"name"`
			Sha256 string `json:"sha256"`
			Bytes  int    `json:"bytes"`
		} `json:"files"`
	}
	if err := json.Unmarshal(read(dir, "manifest.json"), &m); err != nil {
		die("manifest.json: %v", err)
	}
	for _, f := range m.Files {
		b := read(dir, f.Name)
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != f.Sha256 || len(b) != f.Bytes {
			die("%s: its SHA-256 differs from the manifest's", f.Name)
		}
	}
}

func main() {
	if len(os.Args) != 3 {
		die("usage: tlogcheck BUNDLE_DIR SERVER_PUB")
	}
	dir := os.Args[1]
	vs := verifier(os.Args[2])
	checkManifest(dir)
	cp := openCheckpoint(dir, "checkpoint", vs)

	var proofs struct {
		TreeSize int64 `json:"tree_size"`
		Proofs   []struct {
			LeafIndex int64    `json:"leaf_index"`
			Hashes    []string `json:"hashes"`
		} `json:"proofs"`
	}
	if err := json.Unmarshal(read(dir, "proofs.json"), &proofs); err != nil {
		die("proofs.json: %v", err)
	}
	if proofs.TreeSize != cp.size {
		die("proofs.json is against size %d, the checkpoint is %d", proofs.TreeSize, cp.size)
	}
	receipts := bytes.Split(bytes.TrimSuffix(read(dir, "receipts.jsonl"), []byte("\n")), []byte("\n"))
	if len(receipts) == 1 && len(receipts[0]) == 0 {
		receipts = nil
	}
	if len(receipts) != len(proofs.Proofs) {
		die("%d receipts, %d proofs", len(receipts), len(proofs.Proofs))
	}
	for i, leaf := range receipts {
		p := proofs.Proofs[i]
		var rp tlog.RecordProof
		for _, h := range p.Hashes {
			rp = append(rp, hashOf(h))
		}
		if err := tlog.CheckRecord(rp, cp.size, cp.root, p.LeafIndex, tlog.RecordHash(leaf)); err != nil {
			die("receipt %d (leaf %d): %v", i+1, p.LeafIndex, err)
		}
	}
	fmt.Printf("tlogcheck: %d receipts included in %s at size %d\n", len(receipts), cp.origin, cp.size)

	if _, err := os.Stat(filepath.Join(dir, "previous_checkpoint")); err == nil {
		prev := openCheckpoint(dir, "previous_checkpoint", vs)
		var c struct {
			From   int64    `json:"from_size"`
			To     int64    `json:"to_size"`
			Hashes []string `json:"hashes"`
		}
		if err := json.Unmarshal(read(dir, "consistency.json"), &c); err != nil {
			die("consistency.json: %v", err)
		}
		if prev.origin != cp.origin || c.From != prev.size || c.To != cp.size {
			die("consistency.json does not join the two checkpoints")
		}
		var tp tlog.TreeProof
		for _, h := range c.Hashes {
			tp = append(tp, hashOf(h))
		}
		if err := tlog.CheckTree(tp, cp.size, cp.root, prev.size, prev.root); err != nil {
			die("consistency %d -> %d: %v", prev.size, cp.size, err)
		}
		fmt.Printf("tlogcheck: size %d extends the previous export's %d\n", cp.size, prev.size)
	}
}
