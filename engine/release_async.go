package engine

// closeSoon closes a namespace set on another goroutine. Dropping the last
// reference to a mount namespace tears its mount tree down, and the kernel
// waits for an RCU grace period before it returns (namespace_unlock): about
// 0.3 ms measured on the VM thread after each container's ns.with, whose
// worker had made a private mount namespace. The namespaces live on for that
// moment, as they already do while a pooled worker moves home after its
// caller has its result (pool.go).
func closeSoon(s *ThreadNS) { go s.Close() }
