package handlers

// MenusOnly turns off the routing tables' role refusals, so that a test can check that every
// staff use case is refused by its service alone.
func MenusOnly(h *Handlers) { h.menusOnly = true }

// GuardedCommands lists the commands and button prefixes whose routing entry asks for more than
// a cadre, so that a test covers every one registered, also those added later.
func GuardedCommands(h *Handlers) (commands, buttons []string) {
	for name, c := range h.commands {
		if c.minRole.IsStaff() {
			commands = append(commands, name)
		}
	}
	for prefix, cb := range h.callbacks {
		if cb.minRole.IsStaff() {
			buttons = append(buttons, prefix)
		}
	}
	return commands, buttons
}
