// Command lb-controller gives Services of type LoadBalancer an address, the way a cloud
// controller manager (DigitalOcean's, on a real cluster) would, without routing any traffic:
// it writes an address from a loopback pool into status.loadBalancer.ingress. With the
// annotation service.beta.kubernetes.io/do-loadbalancer-hostname it also sets that hostname,
// as DigitalOcean does. Addresses are freed when a Service is deleted or stops being a
// LoadBalancer.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
)

const hostnameAnnotation = "service.beta.kubernetes.io/do-loadbalancer-hostname"

type allocator struct {
	mu    sync.Mutex
	pool  netip.Prefix
	inUse map[netip.Addr]string // address -> namespace/name
}

func (a *allocator) take(owner string, addr netip.Addr) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inUse[addr] = owner
}

func (a *allocator) release(owner string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for addr, o := range a.inUse {
		if o == owner {
			delete(a.inUse, addr)
		}
	}
}

func (a *allocator) allocate(owner string) (netip.Addr, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for addr, o := range a.inUse {
		if o == owner {
			return addr, nil
		}
	}
	// Skip the network address (x.x.x.0) of the pool.
	for addr := a.pool.Masked().Addr().Next(); a.pool.Contains(addr); addr = addr.Next() {
		if _, used := a.inUse[addr]; !used {
			a.inUse[addr] = owner
			return addr, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("address pool %s is exhausted", a.pool)
}

func isOurs(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeLoadBalancer && svc.Spec.LoadBalancerClass == nil
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster (required)")
	poolFlag := flag.String("pool", "127.0.0.64/26", "addresses handed out (loopback by default: nothing is routed)")
	flag.Parse()
	pool, err := netip.ParsePrefix(*poolFlag)
	if err != nil || !pool.Addr().Is4() {
		log.Fatalf("lb-controller: bad --pool %q: %v", *poolFlag, err)
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("lb-controller: %v", err)
	}
	config.UserAgent = "voting-platform-lb-controller"
	client := kubernetes.NewForConfigOrDie(config)
	alloc := &allocator{pool: pool, inUse: map[netip.Addr]string{}}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()

	factory := informers.NewSharedInformerFactory(client, 10*time.Minute)
	informer := factory.Core().V1().Services().Informer()
	queue := make(chan string, 1024)
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			queue <- key
		}
	}
	_, _ = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	})
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		os.Exit(1)
	}
	// Remember the addresses already handed out before a restart.
	for _, obj := range informer.GetStore().List() {
		svc := obj.(*corev1.Service)
		if !isOurs(svc) {
			continue
		}
		for _, ingress := range svc.Status.LoadBalancer.Ingress {
			if addr, err := netip.ParseAddr(ingress.IP); err == nil && pool.Contains(addr) {
				alloc.take(svc.Namespace+"/"+svc.Name, addr)
			}
		}
	}
	log.Printf("lb-controller: handing out addresses from %s", pool)

	sync := func(key string) error {
		obj, exists, err := informer.GetStore().GetByKey(key)
		if err != nil {
			return err
		}
		if !exists {
			alloc.release(key)
			return nil
		}
		svc := obj.(*corev1.Service)
		if !isOurs(svc) {
			alloc.release(key)
			if svc.Spec.Type != corev1.ServiceTypeLoadBalancer && len(svc.Status.LoadBalancer.Ingress) > 0 {
				return retry.RetryOnConflict(retry.DefaultRetry, func() error {
					fresh, err := client.CoreV1().Services(svc.Namespace).Get(ctx, svc.Name, metav1.GetOptions{})
					if err != nil {
						return err
					}
					fresh.Status.LoadBalancer = corev1.LoadBalancerStatus{}
					_, err = client.CoreV1().Services(svc.Namespace).UpdateStatus(ctx, fresh, metav1.UpdateOptions{})
					return err
				})
			}
			return nil
		}
		addr, err := alloc.allocate(key)
		if err != nil {
			return err
		}
		ipMode := corev1.LoadBalancerIPModeVIP
		want := corev1.LoadBalancerIngress{IP: addr.String(), IPMode: &ipMode, Hostname: svc.Annotations[hostnameAnnotation]}
		current := svc.Status.LoadBalancer.Ingress
		if len(current) == 1 && current[0].IP == want.IP && current[0].Hostname == want.Hostname {
			return nil
		}
		return retry.RetryOnConflict(retry.DefaultRetry, func() error {
			fresh, err := client.CoreV1().Services(svc.Namespace).Get(ctx, svc.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			fresh.Status.LoadBalancer = corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{want}}
			_, err = client.CoreV1().Services(svc.Namespace).UpdateStatus(ctx, fresh, metav1.UpdateOptions{})
			if err == nil {
				log.Printf("lb-controller: %s -> %s", key, want.IP)
			}
			return err
		})
	}

	for {
		select {
		case <-ctx.Done():
			log.Print("lb-controller: stopping")
			return
		case key := <-queue:
			if err := sync(key); err != nil && !apierrors.IsNotFound(err) {
				log.Printf("lb-controller: %s: %v (retrying)", key, err)
				go func() { time.Sleep(time.Second); queue <- key }()
			}
		}
	}
}
