// armistice_interop is a third-party check of armistice's byte formats.
//
// It uses only the Go standard library and golang.org/x/mod v0.7.0
// (Debian's golang-golang-x-mod-dev): sumdb/note for C2SP signed notes
// (signed-note v1.0.0) and sumdb/tlog for RFC 9162 hashing, inclusion and
// consistency proofs and tiles. It reads what armistice writes (checkpoints,
// notes, C2SP tlog-tiles directories, c2sp.org/tlog-proof@v1 receipts,
// consistency proofs) and writes the same things for armistice to read.
//
// Build in GOPATH mode, with no network (tests/cli/t0900-interop-go.sh):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off \
//	    go build -o build/interop/armistice_interop tests/interop/armistice_interop.go
//
// golang.org/x/mod v0.7.0 predates C2SP, and docs/interop.md lists the
// traps this program steps around: tlog.ParseTree accepts only the go.sum
// origin (we parse checkpoints ourselves), tlog.TreeHash(0) is all zeros
// (we require SHA-256("") for the empty tree), Go's tile paths carry the
// height (tile/8/L/N) where C2SP's do not (tile/L/N), Go's data tiles are
// not C2SP entry bundles (we read the u16 bundles ourselves), CheckTree
// takes the new tree first, and tlog.NewTiles emits intermediate partial
// tiles (we write only the ones for the final size).
//
// Exit status: 0 the check passed, 1 it failed, 2 usage error.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const (
	tileHeight    = 8   // C2SP tlog-tiles fixes the height at 8
	tileWidth     = 256 // hashes in a full tile
	keyEd25519    = 0x01
	keyCosigV1    = 0x04 // C2SP tlog-cosignature v1.0.1
	proofHeader   = "c2sp.org/tlog-proof@v1"
	maxNoteBytes  = 1 << 20
	maxEntryBytes = 65535 // u16 length prefix in C2SP entry bundles
)

var b64 = base64.StdEncoding.Strict()

// failure is a check that did not pass (exit 1), as opposed to a usage
// error (exit 2).
type failure struct{ msg string }

func (f *failure) Error() string { return f.msg }

func failf(format string, args ...interface{}) error {
	return &failure{fmt.Sprintf(format, args...)}
}

type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func usagef(format string, args ...interface{}) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

const usageText = `usage: armistice_interop COMMAND ARGS...

checks of what armistice writes (exit 1 if a check fails):
  verify-note FILE VKEY...                  note.Open with these keys; lists who verified
  verify-checkpoint [-witness VKEY]... [-quorum N] FILE LOGVKEY
  verify-log [-witness VKEY]... [-quorum N] [-sample K] [-old CKPT]... DIR LOGVKEY
                                            the whole log from its files: checkpoint,
                                            every tile, every entry bundle, proofs
  verify-proof [-witness VKEY]... [-quorum N] LOGVKEY ENTRY PROOF.tlog-proof
  verify-consistency LOGVKEY OLD_CKPT NEW_CKPT PROOF

things for armistice to check:
  make-key [-cosig] NAME SKEYFILE VKEYFILE  Ed25519 (0x01) or cosigner (0x04) key
  make-note TEXTFILE SKEY...                note.Sign; the note on stdout
  cosign CKPT SKEY TIMESTAMP                the checkpoint plus one tlog-cosignature/v1
  make-log [-origin O] [-old SIZE]... DIR SKEY N
                                            a log of N records built with Go's tlog,
                                            written as C2SP tiles, bundles, checkpoint(s)
  make-proof DIR INDEX ENTRYOUT             a tlog-proof from DIR's tiles on stdout
  make-consistency DIR OLDSIZE              a consistency proof from DIR's tiles on stdout

VKEY and SKEY are a key string or a file holding one.
`

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" {
		fmt.Fprint(os.Stderr, usageText)
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		os.Exit(0)
	}
	cmds := map[string]func([]string) error{
		"verify-note":        cmdVerifyNote,
		"verify-checkpoint":  cmdVerifyCheckpoint,
		"verify-log":         cmdVerifyLog,
		"verify-proof":       cmdVerifyProof,
		"verify-consistency": cmdVerifyConsistency,
		"make-key":           cmdMakeKey,
		"make-note":          cmdMakeNote,
		"cosign":             cmdCosign,
		"make-log":           cmdMakeLog,
		"make-proof":         cmdMakeProof,
		"make-consistency":   cmdMakeConsistency,
	}
	fn, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "armistice_interop: unknown command %q\n%s", os.Args[1], usageText)
		os.Exit(2)
	}
	err := fn(os.Args[2:])
	if err == nil {
		return
	}
	fmt.Fprintf(os.Stderr, "armistice_interop %s: %v\n", os.Args[1], err)
	var u *usageError
	if errors.As(err, &u) {
		os.Exit(2)
	}
	os.Exit(1)
}

// ---------------------------------------------------------------------
// Keys

// keyArg returns a key string given either the string itself or the
// name of a file that holds it (first line, surrounding space trimmed).
func keyArg(arg string) (string, error) {
	if data, err := os.ReadFile(arg); err == nil {
		line := string(data)
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		return strings.TrimSpace(line), nil
	} else if !os.IsNotExist(err) {
		return "", err
	}
	if !strings.Contains(arg, "+") {
		return "", usagef("%q is neither a key file nor a key", arg)
	}
	return arg, nil
}

// signed-note §"Signatures": key ID = SHA-256(name || 0x0A || type || pk)[:4].
func keyID(name string, typ byte, pk []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', typ})
	h.Write(pk)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

func validName(name string) bool {
	return name != "" && utf8.ValidString(name) &&
		strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}

// splitKey splits "name+hex8+base64" on the first two '+' only, because
// the base64 part may itself hold '+' (signed-note §"Verifier keys").
func splitKey(s string) (name string, id uint32, raw []byte, err error) {
	parts := strings.SplitN(s, "+", 3)
	if len(parts) != 3 || len(parts[1]) != 8 || !validName(parts[0]) {
		return "", 0, nil, fmt.Errorf("malformed key %q", s)
	}
	id64, err := strconv.ParseUint(parts[1], 16, 32)
	if err != nil || strings.ToLower(parts[1]) != parts[1] {
		return "", 0, nil, fmt.Errorf("malformed key id in %q", s)
	}
	raw, err = b64.DecodeString(parts[2])
	if err != nil || len(raw) != 33 {
		return "", 0, nil, fmt.Errorf("malformed key bytes in %q", s)
	}
	return parts[0], uint32(id64), raw, nil
}

// cosigVerifier checks C2SP tlog-cosignature v1.0.1 (type 0x04), which
// x/mod v0.7.0 does not know; note.Verifier is an interface, so note.Open
// can use it beside the Ed25519 verifiers from note.NewVerifier.
type cosigVerifier struct {
	name string
	id   uint32
	pk   ed25519.PublicKey
	// times records the timestamp of each verified cosignature.
	times *[]uint64
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.id }

// tlog-cosignature v1.0.1: sig = u64 big-endian timestamp || Ed25519 sig
// over "cosignature/v1\ntime <ts>\n" || checkpoint body.
func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	ts := binary.BigEndian.Uint64(sig[:8])
	if ts > 1<<63-1 {
		return false
	}
	if !ed25519.Verify(v.pk, cosignedMessage(ts, msg), sig[8:]) {
		return false
	}
	*v.times = append(*v.times, ts)
	return true
}

func cosignedMessage(ts uint64, body []byte) []byte {
	var m bytes.Buffer
	m.WriteString("cosignature/v1\n")
	fmt.Fprintf(&m, "time %d\n", ts)
	m.Write(body)
	return m.Bytes()
}

type cosigSigner struct {
	name string
	id   uint32
	sk   ed25519.PrivateKey
	ts   uint64
}

func (s *cosigSigner) Name() string    { return s.name }
func (s *cosigSigner) KeyHash() uint32 { return s.id }
func (s *cosigSigner) Sign(msg []byte) ([]byte, error) {
	out := make([]byte, 8, 8+ed25519.SignatureSize)
	binary.BigEndian.PutUint64(out, s.ts)
	return append(out, ed25519.Sign(s.sk, cosignedMessage(s.ts, msg))...), nil
}

// newVerifier accepts an Ed25519 key through x/mod's own note.NewVerifier
// (so that its key parsing is what is being tested) and a cosigner key
// through cosigVerifier.
func newVerifier(vkey string, times *[]uint64) (note.Verifier, error) {
	name, id, raw, err := splitKey(vkey)
	if err != nil {
		return nil, err
	}
	switch raw[0] {
	case keyEd25519:
		return note.NewVerifier(vkey)
	case keyCosigV1:
		if keyID(name, keyCosigV1, raw[1:]) != id {
			return nil, fmt.Errorf("key id of %q does not match its key", vkey)
		}
		return &cosigVerifier{name: name, id: id, pk: ed25519.PublicKey(raw[1:]), times: times}, nil
	default:
		return nil, fmt.Errorf("key type 0x%02x of %q is not supported", raw[0], vkey)
	}
}

func loadVerifiers(args []string) ([]note.Verifier, *[]uint64, error) {
	times := new([]uint64)
	var vs []note.Verifier
	for _, a := range args {
		k, err := keyArg(a)
		if err != nil {
			return nil, nil, err
		}
		v, err := newVerifier(k, times)
		if err != nil {
			return nil, nil, usagef("%v", err)
		}
		vs = append(vs, v)
	}
	return vs, times, nil
}

// newSigner reads "PRIVATE+KEY+name+hex8+base64(type || seed)". Type 0x01
// goes through note.NewSigner; 0x04 is a cosigner signing at ts.
func newSigner(skey string, ts uint64) (note.Signer, error) {
	if !strings.HasPrefix(skey, "PRIVATE+KEY+") {
		return nil, fmt.Errorf("not a private key (want PRIVATE+KEY+...)")
	}
	name, id, raw, err := splitKey(strings.TrimPrefix(skey, "PRIVATE+KEY+"))
	if err != nil {
		return nil, err
	}
	switch raw[0] {
	case keyEd25519:
		return note.NewSigner(skey)
	case keyCosigV1:
		sk := ed25519.NewKeyFromSeed(raw[1:])
		if keyID(name, keyCosigV1, sk.Public().(ed25519.PublicKey)) != id {
			return nil, fmt.Errorf("key id of cosigner key %q does not match", name)
		}
		return &cosigSigner{name: name, id: id, sk: sk, ts: ts}, nil
	default:
		return nil, fmt.Errorf("key type 0x%02x is not supported", raw[0])
	}
}

func cmdMakeKey(args []string) error {
	fs := flag.NewFlagSet("make-key", flag.ContinueOnError)
	cosig := fs.Bool("cosig", false, "a tlog-cosignature/v1 key (type 0x04)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 3 {
		return usagef("usage: make-key [-cosig] NAME SKEYFILE VKEYFILE")
	}
	name := fs.Arg(0)
	var skey, vkey string
	if !*cosig {
		var err error
		skey, vkey, err = note.GenerateKey(rand.Reader, name)
		if err != nil {
			return err
		}
	} else {
		if !validName(name) {
			return usagef("invalid key name %q", name)
		}
		pk, sk, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		id := keyID(name, keyCosigV1, pk)
		skey = fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, id,
			b64.EncodeToString(append([]byte{keyCosigV1}, sk.Seed()...)))
		vkey = fmt.Sprintf("%s+%08x+%s", name, id,
			b64.EncodeToString(append([]byte{keyCosigV1}, pk...)))
	}
	if err := os.WriteFile(fs.Arg(1), []byte(skey+"\n"), 0o600); err != nil {
		return err
	}
	return os.WriteFile(fs.Arg(2), []byte(vkey+"\n"), 0o644)
}

// ---------------------------------------------------------------------
// Notes and checkpoints

func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, failf("%s: larger than %d bytes", path, max)
	}
	return data, nil
}

func openNote(msg []byte, vs []note.Verifier) (*note.Note, error) {
	n, err := note.Open(msg, note.VerifierList(vs...))
	if err != nil {
		return nil, failf("note.Open: %v", err)
	}
	return n, nil
}

func cmdVerifyNote(args []string) error {
	if len(args) < 2 {
		return usagef("usage: verify-note FILE VKEY...")
	}
	msg, err := readLimited(args[0], maxNoteBytes)
	if err != nil {
		return err
	}
	vs, _, err := loadVerifiers(args[1:])
	if err != nil {
		return err
	}
	n, err := openNote(msg, vs)
	if err != nil {
		return err
	}
	for _, s := range n.Sigs {
		fmt.Printf("verified %s %08x\n", s.Name, s.Hash)
	}
	for _, s := range n.UnverifiedSigs {
		fmt.Printf("unknown %s %08x\n", s.Name, s.Hash)
	}
	return nil
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
	ext    []string
}

// parseCheckpoint parses a C2SP tlog-checkpoint v1.0.0 body strictly.
// tlog.ParseTree cannot be used: in v0.7.0 it accepts only the origin
// "go.sum database tree".
func parseCheckpoint(text string) (checkpoint, error) {
	var c checkpoint
	if !strings.HasSuffix(text, "\n") {
		return c, failf("checkpoint: body does not end in a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return c, failf("checkpoint: %d lines, want at least 3 (origin, size, root)", len(lines))
	}
	c.origin = lines[0]
	if c.origin == "" {
		return c, failf("checkpoint line 1: empty origin")
	}
	sz := lines[1]
	if sz == "" || strings.Trim(sz, "0123456789") != "" || (len(sz) > 1 && sz[0] == '0') {
		return c, failf("checkpoint line 2: size %q is not canonical decimal", sz)
	}
	size, err := strconv.ParseInt(sz, 10, 64)
	if err != nil {
		return c, failf("checkpoint line 2: size %q: %v", sz, err)
	}
	c.size = size
	if len(lines[2]) != 44 {
		return c, failf("checkpoint line 3: root hash %q is not 44 base64 characters", lines[2])
	}
	raw, err := b64.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize || b64.EncodeToString(raw) != lines[2] {
		return c, failf("checkpoint line 3: root hash %q is not canonical base64 of 32 bytes", lines[2])
	}
	copy(c.root[:], raw)
	for i, l := range lines[3:] {
		if l == "" {
			return c, failf("checkpoint line %d: empty extension line", i+4)
		}
	}
	c.ext = lines[3:]
	return c, nil
}

// emptyRoot is MTH({}) = SHA-256(""), RFC 9162 §2.1.1. tlog.TreeHash(0)
// returns all zeros in v0.7.0, so the empty tree is checked here.
func emptyRoot() tlog.Hash { return tlog.Hash(sha256.Sum256(nil)) }

// openCheckpoint verifies msg with the log key (and any witness keys) and
// parses its text. It requires a signature by the log key itself: a note
// verified only by witnesses is not a checkpoint of this log.
func openCheckpoint(msg []byte, logKey note.Verifier, witnesses []note.Verifier, quorum int) (checkpoint, *note.Note, error) {
	n, err := openNote(msg, append([]note.Verifier{logKey}, witnesses...))
	if err != nil {
		return checkpoint{}, nil, err
	}
	logSigned := false
	cosigned := 0
	for _, s := range n.Sigs {
		if s.Name == logKey.Name() && s.Hash == logKey.KeyHash() {
			logSigned = true
		} else {
			cosigned++
		}
	}
	if !logSigned {
		return checkpoint{}, nil, failf("checkpoint is not signed by the log key %s", logKey.Name())
	}
	if cosigned < quorum {
		return checkpoint{}, nil, failf("checkpoint has %d verified cosignatures, quorum is %d", cosigned, quorum)
	}
	c, err := parseCheckpoint(n.Text)
	if err != nil {
		return c, nil, err
	}
	// tlog-checkpoint: the key name SHOULD equal the origin. armistice
	// makes it a MUST for its own logs; report rather than refuse here.
	if c.origin != logKey.Name() {
		fmt.Fprintf(os.Stderr, "note: origin %q differs from the log key name %q\n", c.origin, logKey.Name())
	}
	return c, n, nil
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// keyFlags are the -witness and -quorum options shared by the verifiers.
type keyFlags struct {
	witness stringList
	quorum  int
}

func (k *keyFlags) register(fs *flag.FlagSet) {
	fs.Var(&k.witness, "witness", "a witness cosigner key (repeatable)")
	fs.IntVar(&k.quorum, "quorum", 0, "cosignatures required")
}

func (k *keyFlags) load(logArg string) (note.Verifier, []note.Verifier, error) {
	vs, _, err := loadVerifiers([]string{logArg})
	if err != nil {
		return nil, nil, err
	}
	ws, _, err := loadVerifiers(k.witness)
	if err != nil {
		return nil, nil, err
	}
	if k.quorum < 0 || k.quorum > len(ws) {
		return nil, nil, usagef("quorum %d with %d witness keys", k.quorum, len(ws))
	}
	return vs[0], ws, nil
}

// parseVerifyArgs parses the -witness and -quorum options that the verify
// commands share, plus any that more registers, wants exactly nargs
// arguments, and loads the log key from argument keyAt.
func parseVerifyArgs(name, usage string, args []string, nargs, keyAt int, more func(*flag.FlagSet)) (*flag.FlagSet, *keyFlags, note.Verifier, []note.Verifier, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	kf := &keyFlags{}
	kf.register(fs)
	if more != nil {
		more(fs)
	}
	if err := fs.Parse(args); err != nil || fs.NArg() != nargs {
		return nil, nil, nil, nil, usagef("usage: %s [-witness VKEY]... [-quorum N] %s", name, usage)
	}
	logKey, ws, err := kf.load(fs.Arg(keyAt))
	return fs, kf, logKey, ws, err
}

func cmdVerifyCheckpoint(args []string) error {
	fs, kf, logKey, ws, err := parseVerifyArgs("verify-checkpoint", "FILE LOGVKEY", args, 2, 1, nil)
	if err != nil {
		return err
	}
	msg, err := readLimited(fs.Arg(0), maxNoteBytes)
	if err != nil {
		return err
	}
	c, n, err := openCheckpoint(msg, logKey, ws, kf.quorum)
	if err != nil {
		return err
	}
	if c.size == 0 && c.root != emptyRoot() {
		return failf("empty tree with root %s, want SHA-256(\"\")", c.root)
	}
	fmt.Printf("origin %s\nsize %d\nroot %s\nsignatures %d\n", c.origin, c.size, c.root, len(n.Sigs))
	return nil
}

// ---------------------------------------------------------------------
// Tiles

// c2spPath maps a Go tile path "tile/8/L/N[.p/W]" to the C2SP tlog-tiles
// path "tile/L/N[.p/W]", and Go's data tile "tile/8/data/N" to the entry
// bundle "tile/entries/N". The N encoding (x-prefixed 3-digit groups) is
// the same in both, so Go's own Tile.Path does that part.
func c2spPath(t tlog.Tile) string {
	p := t.Path()
	const goPrefix = "tile/8/"
	if !strings.HasPrefix(p, goPrefix) {
		panic("tile of height other than 8: " + p)
	}
	p = strings.TrimPrefix(p, goPrefix)
	if strings.HasPrefix(p, "data/") {
		return "tile/entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

// dirTiles is a tlog.TileReader over a C2SP tlog-tiles directory.
type dirTiles struct {
	dir   string
	reads int
}

func (d *dirTiles) Height() int { return tileHeight }

// ReadTiles reads each tile from its C2SP path. A partial tile that is
// not on disk may be served as the prefix of the full tile
// (tlog-tiles: a client may fetch the full tile instead). The caller,
// tlog's tileHashReader, authenticates every tile against the tree hash.
func (d *dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		want := t.W * tlog.HashSize
		p := c2spPath(t)
		data, err := os.ReadFile(filepath.Join(d.dir, p))
		if os.IsNotExist(err) && t.W < tileWidth {
			full := t
			full.W = tileWidth
			if fd, ferr := os.ReadFile(filepath.Join(d.dir, c2spPath(full))); ferr == nil && len(fd) == tileWidth*tlog.HashSize {
				data, err = fd[:want], nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("tile %s: %v", p, err)
		}
		d.reads++
		if len(data) != want {
			return nil, fmt.Errorf("tile %s: %d bytes, want %d", p, len(data), want)
		}
		out[i] = data
	}
	return out, nil
}

func (d *dirTiles) SaveTiles([]tlog.Tile, [][]byte) {}

// readBundle reads entry bundle n as it stands in a tree of size, and
// splits it into exactly its entries (C2SP tlog-tiles: u16 big-endian
// length || entry, repeated).
func readBundle(dir string, n, size int64) ([][]byte, error) {
	w := size - n*tileWidth
	if w > tileWidth {
		w = tileWidth
	}
	t := tlog.Tile{H: tileHeight, L: -1, N: n, W: int(w)}
	p := c2spPath(t)
	data, err := os.ReadFile(filepath.Join(dir, p))
	prefixOnly := false
	if os.IsNotExist(err) && w < tileWidth {
		t.W = tileWidth
		if fd, ferr := os.ReadFile(filepath.Join(dir, c2spPath(t))); ferr == nil {
			data, err, prefixOnly = fd, nil, true
		}
	}
	if err != nil {
		return nil, failf("bundle %s: %v", p, err)
	}
	var entries [][]byte
	off := 0
	for int64(len(entries)) < w {
		if len(data)-off < 2 {
			return nil, failf("bundle %s: truncated at byte %d, entry %d of %d", p, off, len(entries), w)
		}
		l := int(binary.BigEndian.Uint16(data[off:]))
		off += 2
		if len(data)-off < l {
			return nil, failf("bundle %s: entry %d claims %d bytes at byte %d, only %d left", p, len(entries), l, off-2, len(data)-off)
		}
		entries = append(entries, data[off:off+l])
		off += l
	}
	if off != len(data) && !prefixOnly {
		return nil, failf("bundle %s: %d trailing bytes after %d entries", p, len(data)-off, w)
	}
	return entries, nil
}

// ---------------------------------------------------------------------
// verify-log

func cmdVerifyLog(args []string) error {
	var sample *int
	var olds stringList
	fs, kf, logKey, ws, err := parseVerifyArgs("verify-log", "[-sample K] [-old CKPT]... DIR LOGVKEY", args, 2, 1,
		func(fs *flag.FlagSet) {
			sample = fs.Int("sample", 64, "entries whose inclusion proofs are built and checked")
			fs.Var(&olds, "old", "an older signed checkpoint to prove consistency with (repeatable)")
		})
	if err != nil {
		return err
	}
	dir := fs.Arg(0)
	start := time.Now()
	msg, err := readLimited(filepath.Join(dir, "checkpoint"), maxNoteBytes)
	if err != nil {
		return err
	}
	c, _, err := openCheckpoint(msg, logKey, ws, kf.quorum)
	if err != nil {
		return err
	}
	if c.size == 0 {
		if c.root != emptyRoot() {
			return failf("empty tree with root %s, want SHA-256(\"\")", c.root)
		}
		fmt.Printf("ok %s size 0\n", c.origin)
		return nil
	}
	tr := &dirTiles{dir: dir}
	hr := tlog.TileHashReader(tlog.Tree{N: c.size, Hash: c.root}, tr)

	// 1. The root recomputed from the tiles is the signed root.
	th, err := tlog.TreeHash(c.size, hr)
	if err != nil {
		return failf("tree hash of size %d from tiles: %v", c.size, err)
	}
	if th != c.root {
		return failf("tiles give root %s, checkpoint signs %s", th, c.root)
	}

	// 2. Every entry of every bundle, hashed with tlog.RecordHash and
	// folded with tlog.StoredHashes, rebuilds the signed root; and every
	// tile file holds exactly the hashes that rebuild gives. The rebuild
	// does not trust the tiles at all: v0.7.0's tileHashReader skips the
	// parent check of some tiles when the tree-hash tiles repeat (its
	// loop starts at len(stx), not at the number of distinct stx tiles),
	// so a level-0 tile and its bundle altered together can pass
	// ReadHashes (docs/interop.md).
	nb := (c.size + tileWidth - 1) / tileWidth
	sampleIdx := sampleIndexes(c.size, *sample)
	sampleEntry := make(map[int64][]byte, len(sampleIdx))
	for _, i := range sampleIdx {
		sampleEntry[i] = nil
	}
	mem := make(memHashes, 0, 2*c.size+64)
	for b := int64(0); b < nb; b++ {
		entries, err := readBundle(dir, b, c.size)
		if err != nil {
			return err
		}
		for i, e := range entries {
			gi := b*tileWidth + int64(i)
			sh, err := tlog.StoredHashes(gi, e, &mem)
			if err != nil {
				return err
			}
			mem = append(mem, sh...)
			if _, ok := sampleEntry[gi]; ok {
				sampleEntry[gi] = e
			}
		}
	}
	if rh, err := tlog.TreeHash(c.size, &mem); err != nil || rh != c.root {
		return failf("the %d entries in the bundles give root %s, checkpoint signs %s", c.size, rh, c.root)
	}
	ntiles := 0
	for _, t := range finalTiles(c.size) {
		want, err := tlog.ReadTileData(t, &mem)
		if err != nil {
			return err
		}
		got, err := tr.ReadTiles([]tlog.Tile{t})
		if err != nil {
			return failf("%v", err)
		}
		if !bytes.Equal(got[0], want) {
			for k := 0; k < t.W; k++ {
				if !bytes.Equal(got[0][k*tlog.HashSize:(k+1)*tlog.HashSize], want[k*tlog.HashSize:(k+1)*tlog.HashSize]) {
					return failf("tile %s: hash %d differs from the one the entries give", c2spPath(t), k)
				}
			}
		}
		ntiles++
	}

	// 3. Inclusion proofs built by Go from our tiles check out, with
	// CheckRecord, for a sample of indices.
	for _, i := range sampleIdx {
		p, err := tlog.ProveRecord(c.size, i, hr)
		if err != nil {
			return failf("ProveRecord(%d, %d): %v", c.size, i, err)
		}
		if err := tlog.CheckRecord(p, c.size, c.root, i, tlog.RecordHash(sampleEntry[i])); err != nil {
			return failf("CheckRecord of entry %d in size %d: %v", i, c.size, err)
		}
	}

	// 4. Consistency proofs from our tiles between earlier sizes and this
	// one. CheckTree takes the NEW tree first, and old size >= 1.
	nc := 0
	for _, old := range consistencySizes(c.size) {
		oh, err := tlog.TreeHash(old, &mem)
		if err != nil {
			return failf("tree hash of size %d: %v", old, err)
		}
		p, err := tlog.ProveTree(c.size, old, hr)
		if err != nil {
			return failf("ProveTree(%d, %d): %v", c.size, old, err)
		}
		if err := tlog.CheckTree(p, c.size, c.root, old, oh); err != nil {
			return failf("CheckTree %d -> %d: %v", old, c.size, err)
		}
		nc++
	}
	// 5. Older signed checkpoints are prefixes of this tree.
	for _, o := range olds {
		omsg, err := readLimited(o, maxNoteBytes)
		if err != nil {
			return err
		}
		oc, _, err := openCheckpoint(omsg, logKey, nil, 0)
		if err != nil {
			return failf("%s: %v", o, err)
		}
		if err := checkConsistency(oc, c, hr); err != nil {
			return failf("%s: %v", o, err)
		}
		if oc.size > 0 {
			if oh, err := tlog.TreeHash(oc.size, &mem); err != nil || oh != oc.root {
				return failf("%s: the first %d entries give root %s, it signs %s", o, oc.size, oh, oc.root)
			}
		}
		nc++
	}
	fmt.Printf("ok %s size %d root %s: %d entries in %d bundles, %d tiles, %d inclusion and %d consistency proofs, %.2fs\n",
		c.origin, c.size, c.root, c.size, nb, ntiles, len(sampleIdx), nc, time.Since(start).Seconds())
	return nil
}

// checkConsistency proves old against new from the tiles of new.
func checkConsistency(old, cur checkpoint, hr tlog.HashReader) error {
	if old.origin != cur.origin {
		return failf("origin %q, want %q", old.origin, cur.origin)
	}
	if old.size > cur.size {
		return failf("old size %d is larger than %d", old.size, cur.size)
	}
	if old.size == 0 {
		if old.root != emptyRoot() {
			return failf("empty tree with root %s", old.root)
		}
		return nil
	}
	p, err := tlog.ProveTree(cur.size, old.size, hr)
	if err != nil {
		return failf("ProveTree(%d, %d): %v", cur.size, old.size, err)
	}
	if err := tlog.CheckTree(p, cur.size, cur.root, old.size, old.root); err != nil {
		return failf("size %d is not a prefix of size %d: %v", old.size, cur.size, err)
	}
	return nil
}

// sampleIndexes picks the first and last entry, the tile edges, and k
// evenly spread indices below size.
func sampleIndexes(size int64, k int) []int64 {
	seen := map[int64]bool{}
	var out []int64
	add := func(i int64) {
		if i >= 0 && i < size && !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	for _, i := range []int64{0, 1, 255, 256, 257, 65535, 65536, size / 2, size - 2, size - 1} {
		add(i)
	}
	for j := 0; j < k; j++ {
		add((int64(j)*7919 + 13) % size)
	}
	return out
}

func consistencySizes(size int64) []int64 {
	var out []int64
	seen := map[int64]bool{}
	for _, s := range []int64{1, 2, 3, 7, 8, 255, 256, 257, 4095, 65536, size / 3, size / 2, size - 1, size} {
		if s >= 1 && s <= size && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// ---------------------------------------------------------------------
// Proof files

type tlogProof struct {
	extra      []byte
	index      int64
	path       []tlog.Hash
	checkpoint []byte
}

func parseDecimal(s, what string) (int64, error) {
	if s == "" || strings.Trim(s, "0123456789") != "" || (len(s) > 1 && s[0] == '0') {
		return 0, failf("%s %q is not canonical decimal", what, s)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, failf("%s %q: %v", what, s, err)
	}
	return v, nil
}

func parseHashLine(l string, where string) (tlog.Hash, error) {
	var h tlog.Hash
	raw, err := b64.DecodeString(l)
	if len(l) != 44 || err != nil || len(raw) != tlog.HashSize || b64.EncodeToString(raw) != l {
		return h, failf("%s: %q is not canonical base64 of a 32-byte hash", where, l)
	}
	copy(h[:], raw)
	return h, nil
}

// parseTlogProof parses c2sp.org/tlog-proof@v1 strictly.
func parseTlogProof(data []byte) (tlogProof, error) {
	var p tlogProof
	s := string(data)
	line := 0
	next := func() (string, bool) {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return "", false
		}
		l := s[:i]
		s = s[i+1:]
		line++
		return l, true
	}
	l, ok := next()
	if !ok || l != proofHeader {
		return p, failf("tlog-proof line 1: want %q", proofHeader)
	}
	if l, ok = next(); !ok {
		return p, failf("tlog-proof: truncated after line 1")
	}
	if strings.HasPrefix(l, "extra ") {
		raw, err := b64.DecodeString(strings.TrimPrefix(l, "extra "))
		if err != nil {
			return p, failf("tlog-proof line %d: extra data is not base64", line)
		}
		p.extra = raw
		if l, ok = next(); !ok {
			return p, failf("tlog-proof: truncated after line %d", line)
		}
	}
	if !strings.HasPrefix(l, "index ") {
		return p, failf("tlog-proof line %d: want \"index N\", got %q", line, l)
	}
	idx, err := parseDecimal(strings.TrimPrefix(l, "index "), fmt.Sprintf("tlog-proof line %d: index", line))
	if err != nil {
		return p, err
	}
	p.index = idx
	for {
		if l, ok = next(); !ok {
			return p, failf("tlog-proof: no blank line before the checkpoint")
		}
		if l == "" {
			break
		}
		if len(p.path) == 63 {
			return p, failf("tlog-proof line %d: more than 63 proof hashes", line)
		}
		h, err := parseHashLine(l, fmt.Sprintf("tlog-proof line %d", line))
		if err != nil {
			return p, err
		}
		p.path = append(p.path, h)
	}
	p.checkpoint = []byte(s)
	return p, nil
}

func formatTlogProof(index int64, path []tlog.Hash, ckpt []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nindex %d\n", proofHeader, index)
	for _, h := range path {
		fmt.Fprintf(&b, "%s\n", b64.EncodeToString(h[:]))
	}
	b.WriteString("\n")
	b.Write(ckpt)
	return b.Bytes()
}

// parseHashList reads a consistency proof: one base64 hash per line (the
// form of the proof lines in a tlog-witness add-checkpoint request).
func parseHashList(data []byte) ([]tlog.Hash, error) {
	var out []tlog.Hash
	s := string(data)
	if s == "" {
		return nil, nil
	}
	if !strings.HasSuffix(s, "\n") {
		return nil, failf("proof: last line does not end in a newline")
	}
	for i, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if i == 63 {
			return nil, failf("proof: more than 63 hashes")
		}
		h, err := parseHashLine(l, fmt.Sprintf("proof line %d", i+1))
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

func cmdVerifyProof(args []string) error {
	fs, kf, logKey, ws, err := parseVerifyArgs("verify-proof", "LOGVKEY ENTRY PROOF", args, 3, 0, nil)
	if err != nil {
		return err
	}
	entry, err := readLimited(fs.Arg(1), maxEntryBytes)
	if err != nil {
		return err
	}
	data, err := readLimited(fs.Arg(2), maxNoteBytes)
	if err != nil {
		return err
	}
	p, err := parseTlogProof(data)
	if err != nil {
		return err
	}
	c, _, err := openCheckpoint(p.checkpoint, logKey, ws, kf.quorum)
	if err != nil {
		return err
	}
	if p.index >= c.size {
		return failf("index %d is not below the checkpoint size %d", p.index, c.size)
	}
	if err := tlog.CheckRecord(p.path, c.size, c.root, p.index, tlog.RecordHash(entry)); err != nil {
		return failf("entry is not at index %d of %s size %d: %v", p.index, c.origin, c.size, err)
	}
	fmt.Printf("ok entry %d of %s size %d\n", p.index, c.origin, c.size)
	return nil
}

func cmdVerifyConsistency(args []string) error {
	if len(args) != 4 {
		return usagef("usage: verify-consistency LOGVKEY OLD_CKPT NEW_CKPT PROOF")
	}
	vs, _, err := loadVerifiers(args[:1])
	if err != nil {
		return err
	}
	var cs [2]checkpoint
	for i, f := range args[1:3] {
		msg, err := readLimited(f, maxNoteBytes)
		if err != nil {
			return err
		}
		if cs[i], _, err = openCheckpoint(msg, vs[0], nil, 0); err != nil {
			return failf("%s: %v", f, err)
		}
	}
	data, err := readLimited(args[3], maxNoteBytes)
	if err != nil {
		return err
	}
	proof, err := parseHashList(data)
	if err != nil {
		return err
	}
	old, cur := cs[0], cs[1]
	switch {
	case old.origin != cur.origin:
		return failf("origins differ: %q and %q", old.origin, cur.origin)
	case old.size > cur.size:
		return failf("old size %d is larger than new size %d", old.size, cur.size)
	case old.size == 0 || old.size == cur.size:
		// CheckTree refuses old size 0; RFC 9162 §2.1.4.2 edge cases:
		// the proof is empty, and equal sizes need equal roots.
		if len(proof) != 0 {
			return failf("proof for old size %d must be empty, has %d hashes", old.size, len(proof))
		}
		if old.size == 0 && old.root != emptyRoot() {
			return failf("empty tree with root %s", old.root)
		}
		if old.size == cur.size && old.root != cur.root {
			return failf("same size %d, different roots", old.size)
		}
	default:
		if err := tlog.CheckTree(proof, cur.size, cur.root, old.size, old.root); err != nil {
			return failf("size %d is not a prefix of size %d: %v", old.size, cur.size, err)
		}
	}
	fmt.Printf("ok %s %d -> %d\n", cur.origin, old.size, cur.size)
	return nil
}

// ---------------------------------------------------------------------
// Writers

func cmdMakeNote(args []string) error {
	if len(args) < 2 {
		return usagef("usage: make-note TEXTFILE SKEY...")
	}
	text, err := readLimited(args[0], maxNoteBytes)
	if err != nil {
		return err
	}
	var signers []note.Signer
	for _, a := range args[1:] {
		k, err := keyArg(a)
		if err != nil {
			return err
		}
		s, err := newSigner(k, uint64(time.Now().Unix()))
		if err != nil {
			return usagef("%v", err)
		}
		signers = append(signers, s)
	}
	msg, err := note.Sign(&note.Note{Text: string(text)}, signers...)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(msg)
	return err
}

// cmdCosign appends one cosignature line to a signed checkpoint. The
// cosigner signs the note text, as note.Sign would, but existing
// signature lines are kept byte for byte.
func cmdCosign(args []string) error {
	if len(args) != 3 {
		return usagef("usage: cosign CKPT SKEY TIMESTAMP")
	}
	msg, err := readLimited(args[0], maxNoteBytes)
	if err != nil {
		return err
	}
	k, err := keyArg(args[1])
	if err != nil {
		return err
	}
	ts, err := strconv.ParseUint(args[2], 10, 63)
	if err != nil {
		return usagef("timestamp %q: %v", args[2], err)
	}
	s, err := newSigner(k, ts)
	if err != nil {
		return usagef("%v", err)
	}
	split := bytes.LastIndex(msg, []byte("\n\n"))
	if split < 0 {
		return failf("%s: not a signed note", args[0])
	}
	text := msg[:split+1]
	sig, err := s.Sign(text)
	if err != nil {
		return err
	}
	var id [4]byte
	binary.BigEndian.PutUint32(id[:], s.KeyHash())
	out := append([]byte{}, msg...)
	out = append(out, fmt.Sprintf("— %s %s\n", s.Name(), b64.EncodeToString(append(id[:], sig...)))...)
	_, err = os.Stdout.Write(out)
	return err
}

// memHashes is an in-memory tlog.HashReader over stored hashes.
type memHashes []tlog.Hash

func (m *memHashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(*m)) {
			return nil, fmt.Errorf("stored hash %d not written", x)
		}
		out[i] = (*m)[x]
	}
	return out, nil
}

func writeFile(dir, rel string, data []byte) error {
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

// makeRecord is the deterministic content of record i: short and long
// records, so that the u16 length prefixes vary.
func makeRecord(i int64) []byte {
	return []byte(fmt.Sprintf("go interop record %d\n%s", i, strings.Repeat("x", int(i%300))))
}

func signCheckpoint(origin string, size int64, root tlog.Hash, s note.Signer) ([]byte, error) {
	text := fmt.Sprintf("%s\n%d\n%s\n", origin, size, b64.EncodeToString(root[:]))
	return note.Sign(&note.Note{Text: text}, s)
}

func cmdMakeLog(args []string) error {
	fs := flag.NewFlagSet("make-log", flag.ContinueOnError)
	origin := fs.String("origin", "", "checkpoint origin (default: the key name)")
	var olds stringList
	fs.Var(&olds, "old", "also write checkpoint.SIZE for this earlier size (repeatable)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 3 {
		return usagef("usage: make-log [-origin O] [-old SIZE]... DIR SKEY N")
	}
	dir := fs.Arg(0)
	k, err := keyArg(fs.Arg(1))
	if err != nil {
		return err
	}
	s, err := newSigner(k, 0)
	if err != nil {
		return usagef("%v", err)
	}
	if *origin == "" {
		*origin = s.Name()
	}
	n, err := strconv.ParseInt(fs.Arg(2), 10, 64)
	if err != nil || n < 0 || n > 1<<24 {
		return usagef("N %q must be 0..16777216", fs.Arg(2))
	}
	var oldSizes []int64
	for _, o := range olds {
		v, err := strconv.ParseInt(o, 10, 64)
		if err != nil || v < 0 || v > n {
			return usagef("old size %q must be 0..%d", o, n)
		}
		oldSizes = append(oldSizes, v)
	}

	// Build the tree the way sumdb does: StoredHashes per record.
	hashes := new(memHashes)
	roots := map[int64]tlog.Hash{0: emptyRoot()}
	var bundle []byte
	for i := int64(0); i < n; i++ {
		rec := makeRecord(i)
		sh, err := tlog.StoredHashes(i, rec, hashes)
		if err != nil {
			return err
		}
		*hashes = append(*hashes, sh...)
		var l [2]byte
		binary.BigEndian.PutUint16(l[:], uint16(len(rec)))
		bundle = append(append(bundle, l[:]...), rec...)
		if (i+1)%tileWidth == 0 || i+1 == n {
			w := int((i % tileWidth) + 1)
			t := tlog.Tile{H: tileHeight, L: -1, N: i / tileWidth, W: w}
			if err := writeFile(dir, c2spPath(t), bundle); err != nil {
				return err
			}
			bundle = bundle[:0]
		}
		for _, o := range oldSizes {
			if o == i+1 {
				if roots[o], err = tlog.TreeHash(o, hashes); err != nil {
					return err
				}
			}
		}
	}
	root := emptyRoot() // tlog.TreeHash(0) would be all zeros in v0.7.0
	if n > 0 {
		if root, err = tlog.TreeHash(n, hashes); err != nil {
			return err
		}
	}
	for _, t := range finalTiles(n) {
		data, err := tlog.ReadTileData(t, hashes)
		if err != nil {
			return err
		}
		if err := writeFile(dir, c2spPath(t), data); err != nil {
			return err
		}
	}
	msg, err := signCheckpoint(*origin, n, root, s)
	if err != nil {
		return err
	}
	if err := writeFile(dir, "checkpoint", msg); err != nil {
		return err
	}
	for _, o := range oldSizes {
		msg, err := signCheckpoint(*origin, o, roots[o], s)
		if err != nil {
			return err
		}
		if err := writeFile(dir, fmt.Sprintf("checkpoint.%d", o), msg); err != nil {
			return err
		}
	}
	fmt.Printf("%s %d %s\n", *origin, n, root)
	return nil
}

// finalTiles lists the hash tiles of a tree of size n. v0.7.0's NewTiles
// also lists every intermediate partial width of the last tile at each
// level (fixed in v0.17.0); only the one the final size has is kept.
func finalTiles(n int64) []tlog.Tile {
	var out []tlog.Tile
	for _, t := range tlog.NewTiles(tileHeight, 0, n) {
		if t.W < tileWidth && int64(t.W) != (n>>(uint(t.L)*tileHeight))%tileWidth {
			continue
		}
		out = append(out, t)
	}
	return out
}

// openDir reads DIR/checkpoint without checking its signature (a writer
// of proofs relays the checkpoint; the reader of the proof verifies it)
// and returns a hash reader over DIR's tiles authenticated against it.
func openDir(dir string) (checkpoint, []byte, tlog.HashReader, error) {
	msg, err := readLimited(filepath.Join(dir, "checkpoint"), maxNoteBytes)
	if err != nil {
		return checkpoint{}, nil, nil, err
	}
	split := bytes.LastIndex(msg, []byte("\n\n"))
	if split < 0 {
		return checkpoint{}, nil, nil, failf("%s/checkpoint: not a signed note", dir)
	}
	c, err := parseCheckpoint(string(msg[:split+1]))
	if err != nil {
		return c, nil, nil, err
	}
	return c, msg, tlog.TileHashReader(tlog.Tree{N: c.size, Hash: c.root}, &dirTiles{dir: dir}), nil
}

func cmdMakeProof(args []string) error {
	if len(args) != 3 {
		return usagef("usage: make-proof DIR INDEX ENTRYOUT")
	}
	c, msg, hr, err := openDir(args[0])
	if err != nil {
		return err
	}
	idx, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil || idx < 0 || idx >= c.size {
		return usagef("index %q must be below the size %d", args[1], c.size)
	}
	p, err := tlog.ProveRecord(c.size, idx, hr)
	if err != nil {
		return failf("ProveRecord(%d, %d): %v", c.size, idx, err)
	}
	entries, err := readBundle(args[0], idx/tileWidth, c.size)
	if err != nil {
		return err
	}
	if err := os.WriteFile(args[2], entries[idx%tileWidth], 0o644); err != nil {
		return err
	}
	_, err = os.Stdout.Write(formatTlogProof(idx, p, msg))
	return err
}

func cmdMakeConsistency(args []string) error {
	if len(args) != 2 {
		return usagef("usage: make-consistency DIR OLDSIZE")
	}
	c, _, hr, err := openDir(args[0])
	if err != nil {
		return err
	}
	old, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil || old < 0 || old > c.size {
		return usagef("old size %q must be 0..%d", args[1], c.size)
	}
	if old == 0 || old == c.size {
		return nil // the empty proof (ProveTree refuses old size 0)
	}
	p, err := tlog.ProveTree(c.size, old, hr)
	if err != nil {
		return failf("ProveTree(%d, %d): %v", c.size, old, err)
	}
	for _, h := range p {
		fmt.Printf("%s\n", b64.EncodeToString(h[:]))
	}
	return nil
}
