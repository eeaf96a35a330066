package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math"
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// Precompiled stdlib modules. gopher-lua parses and compiles at roughly
// 8 µs per line of code, so `require "container"` cost about 3 ms of every
// script that makes a container before it did anything. `go generate
// ./stdlib` (and `make build`) stores each embedded NAME.lua compiled, as
// NAME.luac next to it; the stdlib loader uses that when it was made from the
// very source embedded with it (the header holds a hash of the source) and
// compiles the source otherwise, so a stale file only costs time.

// luacMagic starts every .luac file; the version byte changes with the format.
var luacMagic = []byte("nslua-luac\x03")

// CompileChunk parses and compiles Lua source as Load does.
func CompileChunk(src []byte, name string) (*lua.FunctionProto, error) {
	return Compile(bytes.NewReader(src), name)
}

func sourceHash(src []byte) uint64 {
	h := fnv.New64a()
	h.Write(src)
	return h.Sum64()
}

// EncodeCompiled is the .luac form of src compiled as chunk name.
func EncodeCompiled(src []byte, name string) ([]byte, error) {
	p, err := CompileChunk(src, name)
	if err != nil {
		return nil, err
	}
	e := &protoEncoder{}
	e.buf = append(e.buf, luacMagic...)
	e.buf = binary.LittleEndian.AppendUint64(e.buf, sourceHash(src))
	if err := e.proto(p); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// DecodeCompiled returns the function prototype a .luac blob holds, when it
// was made from exactly src. The prototype's strings share blob's memory
// (decoding allocates little, which is most of what `require` costs): the
// caller hands blob over and must never change it afterwards.
func DecodeCompiled(src, blob []byte) (*lua.FunctionProto, error) {
	if !bytes.HasPrefix(blob, luacMagic) || len(blob) < len(luacMagic)+8 {
		return nil, errors.New("not a .luac file of this nslua")
	}
	blob = blob[len(luacMagic):]
	if binary.LittleEndian.Uint64(blob) != sourceHash(src) {
		return nil, errors.New("stale: made from another source")
	}
	d := &protoDecoder{buf: blob[8:]}
	p := d.proto(0)
	if d.err == nil && len(d.buf) != 0 {
		d.err = errors.New("trailing bytes")
	}
	if d.err != nil {
		return nil, d.err
	}
	return p, nil
}

// loadStdlib makes the function of an embedded module: from its .luac when
// that is current, else by compiling the source (as L.Load).
func (vm *VM) loadStdlib(L *lua.LState, file string, src []byte) (*lua.LFunction, error) {
	if blob, err := readStdlib(vm, file+"c"); err == nil {
		if p, err := DecodeCompiled(src, blob); err == nil {
			return L.NewFunctionFromProto(p), nil
		}
	}
	return Load(L, bytes.NewReader(src), "stdlib/"+file)
}

type protoEncoder struct{ buf []byte }

func (e *protoEncoder) uint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *protoEncoder) int(v int)     { e.buf = binary.AppendVarint(e.buf, int64(v)) }
func (e *protoEncoder) str(s string) {
	e.uint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *protoEncoder) proto(p *lua.FunctionProto) error {
	e.str(p.SourceName)
	e.int(p.LineDefined)
	e.int(p.LastLineDefined)
	e.buf = append(e.buf, p.NumUpvalues, p.NumParameters, p.IsVarArg, p.NumUsedRegisters)
	e.uint(uint64(len(p.Code)))
	for _, c := range p.Code { // fixed width: decoded without a loop per byte
		e.buf = binary.LittleEndian.AppendUint32(e.buf, c)
	}
	e.uint(uint64(len(p.Constants)))
	for _, c := range p.Constants {
		switch v := c.(type) {
		case lua.LNumber:
			e.buf = append(e.buf, 'n')
			e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(float64(v)))
		case lua.LString:
			e.buf = append(e.buf, 's')
			e.str(string(v))
		default:
			return fmt.Errorf("constant of type %s", c.Type())
		}
	}
	e.uint(uint64(len(p.FunctionPrototypes)))
	for _, f := range p.FunctionPrototypes {
		if err := e.proto(f); err != nil {
			return err
		}
	}
	e.uint(uint64(len(p.DbgSourcePositions)))
	for _, v := range p.DbgSourcePositions {
		e.int(v)
	}
	e.uint(uint64(len(p.DbgLocals)))
	for _, l := range p.DbgLocals {
		e.str(l.Name)
		e.int(l.StartPc)
		e.int(l.EndPc)
	}
	e.uint(uint64(len(p.DbgCalls)))
	for _, c := range p.DbgCalls {
		e.str(c.Name)
		e.int(c.Pc)
	}
	e.uint(uint64(len(p.DbgUpvalues)))
	for _, u := range p.DbgUpvalues {
		e.str(u)
	}
	return nil
}

type protoDecoder struct {
	buf []byte
	err error
}

func (d *protoDecoder) fail(what string) {
	if d.err == nil {
		d.err = errors.New("truncated or corrupt at " + what)
	}
	d.buf = nil
}

func (d *protoDecoder) uint() uint64 {
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail("a number")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *protoDecoder) int() int {
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail("a number")
		return 0
	}
	d.buf = d.buf[n:]
	return int(v)
}

// count reads a length, bounded by what is left (each item takes a byte).
func (d *protoDecoder) count() int {
	n := d.uint()
	if n > uint64(len(d.buf)) {
		d.fail("a length")
		return 0
	}
	return int(n)
}

func (d *protoDecoder) bytes(n int) []byte {
	if n > len(d.buf) {
		d.fail("a string")
		return nil
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b
}

// str returns the next string without copying it out of the blob, which
// DecodeCompiled's caller never changes again.
func (d *protoDecoder) str() string {
	b := d.bytes(d.count())
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (d *protoDecoder) proto(depth int) *lua.FunctionProto {
	if depth > 200 {
		d.fail("nesting")
		return nil
	}
	p := &lua.FunctionProto{}
	p.SourceName = d.str()
	p.LineDefined = d.int()
	p.LastLineDefined = d.int()
	if b := d.bytes(4); len(b) == 4 {
		p.NumUpvalues, p.NumParameters, p.IsVarArg, p.NumUsedRegisters = b[0], b[1], b[2], b[3]
	}
	p.Code = make([]uint32, d.count())
	if code := d.bytes(4 * len(p.Code)); len(code) == 4*len(p.Code) {
		for i := range p.Code {
			p.Code[i] = binary.LittleEndian.Uint32(code[4*i:])
		}
	}
	p.Constants = make([]lua.LValue, d.count())
	strs := make([]string, len(p.Constants))
	for i := range p.Constants {
		switch t := d.bytes(1); {
		case len(t) == 1 && t[0] == 'n':
			if b := d.bytes(8); len(b) == 8 {
				p.Constants[i] = lua.LNumber(math.Float64frombits(binary.LittleEndian.Uint64(b)))
			}
		case len(t) == 1 && t[0] == 's':
			strs[i] = d.str()
			p.Constants[i] = lua.LString(strs[i])
		default:
			d.fail("a constant")
		}
		if d.err != nil {
			return nil
		}
	}
	setStringConstants(p, strs)
	p.FunctionPrototypes = make([]*lua.FunctionProto, d.count())
	for i := range p.FunctionPrototypes {
		p.FunctionPrototypes[i] = d.proto(depth + 1)
		if d.err != nil {
			return nil
		}
	}
	p.DbgSourcePositions = make([]int, d.count())
	for i := range p.DbgSourcePositions {
		p.DbgSourcePositions[i] = d.int()
	}
	p.DbgLocals = make([]*lua.DbgLocalInfo, d.count())
	locals := make([]lua.DbgLocalInfo, len(p.DbgLocals)) // one allocation for all
	for i := range p.DbgLocals {
		locals[i] = lua.DbgLocalInfo{Name: d.str(), StartPc: d.int(), EndPc: d.int()}
		p.DbgLocals[i] = &locals[i]
	}
	p.DbgCalls = make([]lua.DbgCall, d.count())
	for i := range p.DbgCalls {
		p.DbgCalls[i] = lua.DbgCall{Name: d.str(), Pc: d.int()}
	}
	p.DbgUpvalues = make([]string, d.count())
	for i := range p.DbgUpvalues {
		p.DbgUpvalues[i] = d.str()
	}
	return p
}

// setStringConstants fills FunctionProto's unexported stringConstants, the
// string view of Constants the VM reads for field access ("" where the
// constant is a number), exactly as lua.Compile builds it.
func setStringConstants(p *lua.FunctionProto, strs []string) {
	f := reflect.ValueOf(p).Elem().FieldByName("stringConstants")
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(strs))
}

func readStdlib(vm *VM, file string) ([]byte, error) { return fs.ReadFile(vm.stdlib, file) }
