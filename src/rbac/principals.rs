//! Static principal bindings: exact ids and `prefix*` patterns to roles.
//!
//! A request may carry only a principal id; its roles then come from here.
//! An id gets the roles of its exact binding and of every prefix binding it
//! starts with (all of them, not the longest: bindings add roles, never
//! remove them). Exact ids are one hash lookup; prefixes are looked up by
//! the distinct prefix lengths in use, so the cost is one hash per length,
//! whatever the number of bindings. Each binding's set is already closed
//! over inheritance.

use rustc_hash::FxHashMap;

use super::bits::{RoleBits, RoleView};

/// Principal ids and prefixes, each with the (closed) set of its roles.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    exact: FxHashMap<Box<str>, RoleBits>,
    prefixes: FxHashMap<Box<str>, RoleBits>,
    /// Distinct prefix lengths, ascending.
    lengths: Vec<usize>,
}

impl Bindings {
    /// No bindings.
    pub fn new() -> Self {
        Bindings::default()
    }

    /// Binds `id` exactly to `roles` (added to what it already has).
    pub fn exact(&mut self, id: &str, roles: &RoleBits) {
        match self.exact.get_mut(id) {
            Some(bits) => bits.union_with(roles),
            None => {
                self.exact.insert(id.into(), roles.clone());
            }
        }
    }

    /// Binds every id starting with `prefix` to `roles`.
    pub fn prefix(&mut self, prefix: &str, roles: &RoleBits) {
        match self.prefixes.get_mut(prefix) {
            Some(bits) => bits.union_with(roles),
            None => {
                self.prefixes.insert(prefix.into(), roles.clone());
                if let Err(at) = self.lengths.binary_search(&prefix.len()) {
                    self.lengths.insert(at, prefix.len());
                }
            }
        }
    }

    /// Adds the roles bound to `id` to `view`.
    pub fn roles_of<'a>(&'a self, id: &str, view: &mut RoleView<'a>) {
        if let Some(bits) = self.exact.get(id) {
            view.add(bits);
        }
        for &len in &self.lengths {
            let Some(prefix) = id.get(..len) else {
                // Longer than the id, or not at a character boundary.
                continue;
            };
            if let Some(bits) = self.prefixes.get(prefix) {
                view.add(bits);
            }
        }
    }

    #[cfg(test)]
    /// True when there are no bindings.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.prefixes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(i: &[usize]) -> RoleBits {
        let mut b = RoleBits::new(8);
        for &i in i {
            b.insert(i);
        }
        b
    }

    #[test]
    fn an_id_gets_its_exact_and_every_matching_prefix_binding() {
        let mut b = Bindings::new();
        b.exact("agent-7", &bits(&[0]));
        b.prefix("agent-", &bits(&[1]));
        b.prefix("agent-7", &bits(&[2]));
        b.prefix("bot-", &bits(&[3]));
        let mut view = RoleView::new();
        b.roles_of("agent-77", &mut view);
        assert_eq!(view.to_bits(8).iter().collect::<Vec<_>>(), vec![1, 2]);
        let mut view = RoleView::new();
        b.roles_of("agent-7", &mut view);
        assert_eq!(view.to_bits(8).iter().collect::<Vec<_>>(), vec![0, 1, 2]);
        let mut view = RoleView::new();
        b.roles_of("agen", &mut view);
        assert!(view.is_empty());
    }

    #[test]
    fn prefixes_never_split_a_character() {
        let mut b = Bindings::new();
        b.prefix("é", &bits(&[0]));
        let mut view = RoleView::new();
        b.roles_of("éa", &mut view);
        assert!(!view.is_empty());
        let mut view = RoleView::new();
        b.roles_of("e", &mut view);
        assert!(view.is_empty());
    }
}
