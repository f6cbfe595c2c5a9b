package ganwei

import "testing"

func TestAddressFormsUsedInEveryMessage(t *testing.T) {
	cases := []struct{ name, address, greeting string }{
		{"张伟", "张伟同志", "张伟同志，您好"},
		{" 欧阳娜娜 ", "欧阳娜娜同志", "欧阳娜娜同志，您好"},
		{"", "您", "您好"},
	}
	for _, c := range cases {
		if got := Address(c.name); got != c.address {
			t.Errorf("Address(%q) = %q, want %q", c.name, got, c.address)
		}
		if got := Greeting(c.name); got != c.greeting {
			t.Errorf("Greeting(%q) = %q, want %q", c.name, got, c.greeting)
		}
	}
}

func TestGreetingForAGuestLeavesOutTheUnverifiedName(t *testing.T) {
	if got := GreetingFor(&User{Name: "Tom", Role: RoleGuest}); got != "您好" {
		t.Errorf("guest greeting = %q, want 您好", got)
	}
	if got := GreetingFor(&User{Name: "张伟", Role: RoleCadre}); got != "张伟同志，您好" {
		t.Errorf("cadre greeting = %q", got)
	}
}
