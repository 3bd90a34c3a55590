package campaign

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// The two SIP connections the users live on, and move between.
var connections = [2]emulator.Connection{emulator.SeedConnections[0], emulator.SeedConnections[1]}

// user is one configured SIP user, keyed by a stable name in for_each.
type user struct {
	key      string
	idx      int
	conn     int // index in connections
	login    string
	renames  int
	first    string
	email    string
	phone    string // "" for none
	wo       bool   // password_wo and password_wo_version, else the classic password
	password string
	version  int
	present  bool
}

// model is the configuration a seed's lifecycle goes through.
type model struct {
	seed  uint64
	rng   *rand.Rand
	users []*user
	// secrets are every password configured so far: none may leak.
	classic, wo []string
}

func newModel(seed uint64, n int, woSupported bool) *model {
	m := &model{seed: seed, rng: rand.New(rand.NewPCG(seed, 0x11fec7c1e))} //nolint:gosec // test data
	for i := range n {
		u := &user{key: fmt.Sprintf("u%02d", i), idx: i, conn: i % 2, login: Login(seed, i, 0), first: "First" + fmt.Sprint(i),
			email: fmt.Sprintf("user%02d@example.com", i), wo: woSupported && m.rng.IntN(2) == 0, version: 1, present: i < n-2}
		if i%3 == 0 {
			u.phone = fmt.Sprintf("+4930%07d", i)
		}
		m.setPassword(u)
		m.users = append(m.users, u)
	}
	return m
}

// setPassword gives u a new strong random password.
func (m *model) setPassword(u *user) {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b strings.Builder
	for range 20 {
		b.WriteByte(alphabet[m.rng.IntN(len(alphabet))])
	}
	u.password = b.String()
	if u.wo {
		m.wo = append(m.wo, u.password)
	} else {
		m.classic = append(m.classic, u.password)
	}
}

// Phases are the changes of the lifecycle's applies, in order.
var phases = []struct {
	name   string
	change func(m *model)
}{
	{"create", func(*model) {}},
	{"edit", func(m *model) {
		for _, u := range m.some(3) {
			u.first, u.email = "Edited"+fmt.Sprint(u.idx), fmt.Sprintf("edited%02d@example.org", u.idx)
			if u.phone == "" {
				u.phone = fmt.Sprintf("+3521%07d", u.idx)
			} else {
				u.phone = ""
			}
		}
	}},
	{"rename", func(m *model) {
		for _, u := range m.some(4) {
			u.renames++
			u.login = Login(m.seed, u.idx, u.renames)
			u.newVersionIfWriteOnly()
		}
	}},
	{"rotate", func(m *model) {
		for _, u := range m.some(3) {
			m.setPassword(u)
			u.version++
		}
	}},
	{"move", func(m *model) {
		for _, u := range m.some(4) {
			u.conn = 1 - u.conn
			u.newVersionIfWriteOnly()
		}
		for _, u := range m.users {
			u.present = true // the last two users are created now
		}
	}},
	{"delete", func(m *model) {
		for _, u := range m.some(4) {
			u.present = false
		}
	}},
}

// some is about one in every of the present users, at least one.
func (m *model) some(every int) []*user {
	var out []*user
	for _, u := range m.present() {
		if m.rng.IntN(every) == 0 {
			out = append(out, u)
		}
	}
	if len(out) == 0 && len(m.present()) > 0 {
		out = append(out, m.present()[m.rng.IntN(len(m.present()))])
	}
	return out
}

func (m *model) present() []*user {
	var out []*user
	for _, u := range m.users {
		if u.present {
			out = append(out, u)
		}
	}
	return out
}

func (m *model) byKey(key string) *user {
	for _, u := range m.users {
		if u.key == key {
			return u
		}
	}
	return nil
}

// config is the Terraform configuration of the model now.
func (m *model) config(maxRetries int, requestTimeout, opTimeout string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `terraform {
  required_providers {
    opentact = { source = "opentact/opentact" }
  }
}

provider "opentact" {
  max_retries     = %d
  request_timeout = %q
}

variable "classic_passwords" {
  type      = map(string)
  sensitive = true
}

variable "wo_passwords" {
  type      = map(string)
  sensitive = true
  ephemeral = true
}

locals {
  users = {
`, maxRetries, requestTimeout)
	for _, u := range m.present() {
		phone, version := "null", "null"
		if u.phone != "" {
			phone = fmt.Sprintf("%q", u.phone)
		}
		if u.wo {
			version = fmt.Sprint(u.version)
		}
		fmt.Fprintf(&b, "    %s = { connection = %q, login = %q, first_name = %q, email = %q, phone = %s, version = %s }\n",
			u.key, connections[u.conn].UUID, u.login, u.first, u.email, phone, version)
	}
	fmt.Fprintf(&b, `  }
}

resource "opentact_sip_user" "users" {
  for_each            = local.users
  sip_connection_uuid = each.value.connection
  login               = each.value.login
  first_name          = each.value.first_name
  email               = each.value.email
  phone_number        = each.value.phone
  password            = lookup(var.classic_passwords, each.key, null)
  password_wo         = lookup(var.wo_passwords, each.key, null)
  password_wo_version = each.value.version

  timeouts {
    create = %[1]q
    read   = %[1]q
    update = %[1]q
    delete = %[1]q
  }
}
`, opTimeout)
	return b.String()
}

// passwordVars are the TF_VAR_ values of the two password maps.
func (m *model) passwordVars() (classic, wo string) {
	c, w := map[string]string{}, map[string]string{}
	for _, u := range m.present() {
		if u.wo {
			w[u.key] = u.password
		} else {
			c[u.key] = u.password
		}
	}
	cj, _ := json.Marshal(c)
	wj, _ := json.Marshal(w)
	return string(cj), string(wj)
}

// want is the configured users by connection uuid and login.
func (m *model) want() map[string]*user {
	out := map[string]*user{}
	for _, u := range m.present() {
		out[connections[u.conn].UUID+"/"+u.login] = u
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// newVersionIfWriteOnly raises a password_wo user's version, as a rename or
// move of it needs (the same password, sent again for the new login).
func (u *user) newVersionIfWriteOnly() {
	if u.wo {
		u.version++
	}
}
