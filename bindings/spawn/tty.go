package spawn

import (
	"io"
	"os"
	"os/signal"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/nslua/nslua/engine"
)

// Pty is a new pseudo-terminal for an interactive child (spawn{tty=true}):
// the child gets Slave as its stdio and controlling terminal, nslua relays
// between its own stdin/stdout and Master, with its terminal in raw mode and
// window-size changes (SIGWINCH) forwarded, as ssh or docker run -it do.
type Pty struct {
	Master, Slave *os.File

	masterFd  int // Master's fd, kept apart: os.File.Fd would make it blocking
	in        int // nslua's terminal
	restore   *term.State
	stopIn    [2]int // a pipe whose write end stops the input relay
	inDone    chan struct{}
	outDone   chan struct{}
	winch     chan os.Signal
	winchDone chan struct{}
	closeOnce sync.Once
}

// OpenPty makes a new pty pair. The slave comes from TIOCGPTPEER, so no path
// under /dev/pts is needed (the spawner may have pivoted).
func OpenPty() (*Pty, error) {
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, &engine.OpError{Op: "open", Arg: "/dev/ptmx", Err: err}
	}
	if err := unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(m)
		return nil, &engine.OpError{Op: "ioctl", Arg: "TIOCSPTLCK", Err: err}
	}
	s, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(m), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if e != 0 {
		unix.Close(m)
		return nil, &engine.OpError{Op: "ioctl", Arg: "TIOCGPTPEER", Err: e}
	}
	p := &Pty{Master: os.NewFile(uintptr(m), "ptmx"), Slave: os.NewFile(s, "pts"), masterFd: m, in: 0,
		stopIn: [2]int{-1, -1}}
	// the size is set before the child starts: a child that asks at once
	// (stty size, a full-screen program) must never see 0x0
	p.copySize()
	return p, nil
}

// copySize gives the pty the window size of nslua's terminal, when it has one.
func (p *Pty) copySize() {
	if ws, err := unix.IoctlGetWinsize(p.in, unix.TIOCGWINSZ); err == nil {
		_ = unix.IoctlSetWinsize(p.masterFd, unix.TIOCSWINSZ, ws)
	}
}

// Relay starts copying between nslua's terminal and the pty. Call it after
// the child started and the slave was closed in nslua.
func (p *Pty) Relay() error {
	if term.IsTerminal(p.in) {
		st, err := term.MakeRaw(p.in)
		if err != nil {
			return &engine.OpError{Op: "tcsetattr", Arg: "stdin raw", Err: err}
		}
		p.restore = st
		p.winch = make(chan os.Signal, 1)
		p.winchDone = make(chan struct{})
		signal.Notify(p.winch, unix.SIGWINCH)
		p.copySize() // a resize since OpenPty came before Notify
		go p.forwardWinch()
	}
	if err := unix.Pipe2(p.stopIn[:], unix.O_CLOEXEC); err != nil {
		return &engine.OpError{Op: "pipe", Arg: "tty", Err: err}
	}
	p.inDone = make(chan struct{})
	p.outDone = make(chan struct{})
	go p.relayIn()
	go func() {
		defer close(p.outDone)
		_, _ = io.Copy(os.Stdout, p.Master)
	}()
	return nil
}

func (p *Pty) forwardWinch() {
	defer close(p.winchDone)
	for range p.winch {
		p.copySize()
	}
}

// relayIn copies nslua's stdin to the pty with poll, so that it can stop
// without stealing a byte that arrives after the child ended (the REPL
// reads the same stdin). End of input (a pipe or file at EOF, /dev/null)
// reaches the child as a terminal would deliver it: see sendEOF.
func (p *Pty) relayIn() {
	defer close(p.inDone)
	buf := make([]byte, 4096)
	last := byte('\n') // nothing sent yet: the child is at the start of a line
	fds := []unix.PollFd{{Fd: int32(p.in), Events: unix.POLLIN}, {Fd: int32(p.stopIn[0]), Events: unix.POLLIN}}
	for {
		fds[0].Revents, fds[1].Revents = 0, 0
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return
		}
		if fds[1].Revents != 0 {
			return
		}
		ev := fds[0].Revents
		if ev&(unix.POLLNVAL|unix.POLLERR) != 0 && ev&unix.POLLIN == 0 {
			p.sendEOF(last) // stdin closed or unusable: no more input will come
			return
		}
		if ev&(unix.POLLIN|unix.POLLHUP) == 0 {
			continue
		}
		n, err := unix.Read(p.in, buf)
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if n <= 0 || err != nil {
			p.sendEOF(last)
			return
		}
		if _, err := p.Master.Write(buf[:n]); err != nil {
			return
		}
		last = buf[n-1]
	}
}

// sendEOF tells the child that nslua's stdin ended, the way a terminal
// does, as script(1) does: it types the pty's end-of-file character (VEOF,
// normally ^D). In canonical mode that character ends input only at the
// start of a line; after a partial line the first one hands the line over
// and a second one is the end of input. A child in raw mode gets the
// character as a key, which a line editor (readline, a shell's) takes as
// end of input on an empty line.
func (p *Pty) sendEOF(last byte) {
	eof := []byte{4}
	tio, err := unix.IoctlGetTermios(p.masterFd, unix.TCGETS) // the slave's settings
	if err == nil && tio.Cc[unix.VEOF] != 0 {
		eof[0] = tio.Cc[unix.VEOF]
	}
	if err == nil && tio.Lflag&unix.ICANON != 0 && last != '\n' && last != '\r' {
		eof = append(eof, eof[0])
	}
	_, _ = p.Master.Write(eof)
}

// Finish waits (up to grace) for the child's last output, stops the relay
// and restores nslua's terminal. Idempotent.
func (p *Pty) Finish(grace time.Duration) {
	p.closeOnce.Do(func() {
		if p.outDone != nil {
			select {
			case <-p.outDone:
			case <-time.After(grace):
			}
		}
		if p.stopIn[1] >= 0 {
			_, _ = unix.Write(p.stopIn[1], []byte{0})
			<-p.inDone
			unix.Close(p.stopIn[0])
			unix.Close(p.stopIn[1])
		}
		if p.winch != nil {
			signal.Stop(p.winch)
			close(p.winch)
			<-p.winchDone
		}
		if p.restore != nil {
			_ = term.Restore(p.in, p.restore)
		}
		p.Master.Close()
		p.Slave.Close()
	})
}
