package atlassim

// RecreateCluster replaces a cluster by a new one of the same name and layout
// with another ID, as if it had been deleted and created again between two
// calls. Tests use it to prove that a person's yes for one cluster never runs
// against its namesake.
func (s *Sim) RecreateCluster(projectID, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.project(projectID)
	if p == nil {
		return false
	}
	cl := p.cluster(name)
	if cl == nil {
		return false
	}
	cl.id = newID()
	cl.gen++ // the cached view names the old ID
	return true
}
