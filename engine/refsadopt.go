package engine

// Adopt moves o's targets, and the fds o opened, into r: one Release then
// closes them all. o is left empty. A binding that resolves more than one
// nsref for one option (a process's namespaces plus its user namespace)
// hands back a single Refs this way.
func (r *Refs) Adopt(o *Refs) {
	if o == nil {
		return
	}
	r.Targets = append(r.Targets, o.Targets...)
	r.owned = append(r.owned, o.owned...)
	o.Targets, o.owned = nil, nil
}
