"""coupledgas: coupled particle and energy transport in 1D two-mass Hamiltonian gases."""
