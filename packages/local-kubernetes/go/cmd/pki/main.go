// Command pki writes the throw-away certificates and kubeconfig of the local test control plane:
// a CA, the kube-apiserver's serving certificate (loopback names only), an admin client
// certificate (group system:masters), the service-account signing key pair, and a kubeconfig
// that trusts the CA and authenticates with the admin certificate.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

type pair struct {
	cert    *x509.Certificate
	certPEM []byte
	key     any
	keyPEM  []byte
}

func newKey() (*ecdsa.PrivateKey, []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		log.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		log.Fatal(err)
	}
	return n
}

func sign(template *x509.Certificate, parent *pair) pair {
	key, keyPEM := newKey()
	signer, issuer := any(key), template
	if parent != nil {
		signer, issuer = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, template, issuer, &key.PublicKey, signer)
	if err != nil {
		log.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		log.Fatal(err)
	}
	return pair{cert: cert, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key: key, keyPEM: keyPEM}
}

func write(dir, name string, data []byte, mode os.FileMode) {
	if err := os.WriteFile(filepath.Join(dir, name), data, mode); err != nil {
		log.Fatal(err)
	}
}

func main() {
	dir := flag.String("dir", "", "output directory (required)")
	server := flag.String("server", "", "API server URL written into the kubeconfig, e.g. https://127.0.0.1:6443 (required)")
	serviceIP := flag.String("service-ip", "10.96.0.1", "first address of the service cluster IP range (the kubernetes Service)")
	cluster := flag.String("cluster-name", "local", "cluster and context name in the kubeconfig")
	flag.Parse()
	if *dir == "" || *server == "" {
		log.Fatal("pki: --dir and --server are required")
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		log.Fatal(err)
	}
	now := time.Now().Add(-time.Hour)
	until := now.Add(7 * 24 * time.Hour)

	ca := sign(&x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "voting-platform-test-ca"},
		NotBefore: now, NotAfter: until, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
	}, nil)
	serving := sign(&x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "kube-apiserver"},
		NotBefore: now, NotAfter: until,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(*serviceIP)},
	}, &ca)
	admin := sign(&x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "kubernetes-admin", Organization: []string{"system:masters"}},
		NotBefore: now, NotAfter: until,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, &ca)

	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	saPriv, _ := x509.MarshalPKCS8PrivateKey(saKey)
	saPub, _ := x509.MarshalPKIXPublicKey(&saKey.PublicKey)

	write(*dir, "ca.crt", ca.certPEM, 0o644)
	write(*dir, "ca.key", ca.keyPEM, 0o600)
	write(*dir, "apiserver.crt", serving.certPEM, 0o644)
	write(*dir, "apiserver.key", serving.keyPEM, 0o600)
	write(*dir, "admin.crt", admin.certPEM, 0o644)
	write(*dir, "admin.key", admin.keyPEM, 0o600)
	write(*dir, "sa.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: saPriv}), 0o600)
	write(*dir, "sa.pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}), 0o644)

	b64 := base64.StdEncoding.EncodeToString
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: %[2]s
    certificate-authority-data: %[3]s
users:
- name: %[1]s-admin
  user:
    client-certificate-data: %[4]s
    client-key-data: %[5]s
contexts:
- name: %[1]s
  context:
    cluster: %[1]s
    user: %[1]s-admin
current-context: %[1]s
preferences: {}
`, *cluster, *server, b64(ca.certPEM), b64(admin.certPEM), b64(admin.keyPEM))
	write(*dir, "admin.kubeconfig", []byte(kubeconfig), 0o600)
}
