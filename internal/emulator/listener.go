package emulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"sync"
	"time"
)

// OutageListener is a TCP listener that can stop listening for a while:
// connections to its address are then refused, as a restarting gateway's
// or a draining load balancer's are, and come back on the same address.
// Serve an http.Server on it.
type OutageListener struct {
	addr string

	mu     sync.Mutex
	ln     net.Listener  // nil during an outage
	back   chan struct{} // closed when the outage ends
	closed bool
}

// ListenWithOutages listens on addr ("127.0.0.1:0" picks a free port).
func ListenWithOutages(addr string) (*OutageListener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &OutageListener{addr: ln.Addr().String(), ln: ln}, nil
}

// Refuse stops listening now and listens again on the same address after d.
func (l *OutageListener) Refuse(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln == nil || l.closed {
		return
	}
	_ = l.ln.Close()
	l.ln, l.back = nil, make(chan struct{})
	back := l.back
	time.AfterFunc(d, func() {
		ln, err := net.Listen("tcp", l.addr)
		l.mu.Lock()
		defer l.mu.Unlock()
		if err == nil && !l.closed {
			l.ln = ln
		} else if err == nil {
			_ = ln.Close()
		}
		close(back)
	})
}

// Accept waits out an outage instead of failing, so the server goes on.
func (l *OutageListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		ln, back, closed := l.ln, l.back, l.closed
		l.mu.Unlock()
		switch {
		case closed:
			return nil, net.ErrClosed
		case ln == nil && back != nil:
			<-back
			continue
		case ln == nil:
			return nil, errors.New("emulator: the outage listener could not listen again")
		}
		conn, err := ln.Accept()
		if err == nil {
			return conn, nil
		}
		l.mu.Lock()
		replaced := l.ln != ln && !l.closed
		l.mu.Unlock()
		if !replaced {
			return nil, err
		}
	}
}

// Close stops listening for good.
func (l *OutageListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.ln != nil {
		return l.ln.Close()
	}
	return nil
}

// Addr is the listener's address, the same across outages.
func (l *OutageListener) Addr() net.Addr {
	addr, _ := net.ResolveTCPAddr("tcp", l.addr)
	return addr
}

// Certificate is a TLS certificate of the emulator's own, signed by a CA of
// its own that no system trusts: for a TLS listener that a client must be
// told to trust (CAPEM), or that it must refuse.
type Certificate struct {
	TLS   tls.Certificate
	CAPEM string // the signing CA, PEM-encoded
}

// NewCertificate issues a server certificate for hosts (names or IP
// addresses) valid until notAfter, from a new CA.
func NewCertificate(hosts []string, notAfter time.Time) (*Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	notBefore := time.Now().Add(-time.Hour)
	if notAfter.Before(notBefore) {
		notBefore = notAfter.Add(-time.Hour) // an expired certificate
	}
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "OpenTact emulator test CA"},
		NotBefore: notBefore, NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: hosts[0]},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else {
			leaf.DNSNames = append(leaf.DNSNames, h)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	return &Certificate{
		TLS:   tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: key},
		CAPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})),
	}, nil
}
