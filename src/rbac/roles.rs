//! The role graph: names to indices, and each role's inherited closure.
//!
//! A role that inherits another has everything the other has, transitively,
//! so "principal has role R" is decided against the closure of each role the
//! principal holds. Closures are computed once, at compile time, by a
//! depth-first walk that also finds cycles (an error naming the circle:
//! `a → b → a`). Cost: O(roles × edges / 64) at compile time; nothing at
//! decision time but one hash lookup per role name a request carries.

use rustc_hash::FxHashMap;

use super::bits::RoleBits;

/// Roles by index, with their closures.
#[derive(Debug, Clone, Default)]
pub struct RoleGraph {
    names: Vec<Box<str>>,
    index: FxHashMap<Box<str>, usize>,
    /// `closure[i]`: role `i` and every role it inherits, transitively.
    closure: Vec<RoleBits>,
}

/// Why a role graph cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleError {
    /// Role `role` (index) inherits `name`, which is not a role; `at` is the
    /// position in its `inherits` list.
    Unknown {
        /// Index of the inheriting role.
        role: usize,
        /// Position in its `inherits` list.
        at: usize,
        /// The unknown name.
        name: String,
    },
    /// These roles inherit each other in a circle (the first repeated last).
    Cycle(Vec<String>),
}

impl RoleGraph {
    /// Builds the graph of `roles`, each a name and the names it inherits.
    /// Names are unique (the reader checks it).
    pub fn build<'a>(
        roles: impl IntoIterator<Item = (&'a str, &'a [String])>,
    ) -> Result<RoleGraph, RoleError> {
        let roles: Vec<(&str, &[String])> = roles.into_iter().collect();
        let mut index = FxHashMap::default();
        for (i, (name, _)) in roles.iter().enumerate() {
            index.insert(Box::from(*name), i);
        }
        let mut edges = Vec::with_capacity(roles.len());
        for (i, (_, inherits)) in roles.iter().enumerate() {
            let mut out = Vec::with_capacity(inherits.len());
            for (at, name) in inherits.iter().enumerate() {
                match index.get(name.as_str()) {
                    Some(&j) => out.push(j),
                    None => {
                        return Err(RoleError::Unknown {
                            role: i,
                            at,
                            name: name.clone(),
                        })
                    }
                }
            }
            edges.push(out);
        }
        let n = roles.len();
        let mut closure: Vec<Option<RoleBits>> = vec![None; n];
        // 0: not seen, 1: on the current path, 2: done.
        let mut state = vec![0u8; n];
        for start in 0..n {
            if state.get(start) == Some(&2) {
                continue;
            }
            // Iterative DFS: (node, next edge position).
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            if let Some(s) = state.get_mut(start) {
                *s = 1;
            }
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let succ = edges.get(node).and_then(|e| e.get(*next)).copied();
                *next += 1;
                match succ {
                    Some(child) => match state.get(child).copied() {
                        Some(0) => {
                            if let Some(s) = state.get_mut(child) {
                                *s = 1;
                            }
                            stack.push((child, 0));
                        }
                        Some(1) => {
                            let from = stack.iter().position(|(v, _)| *v == child).unwrap_or(0);
                            let mut circle: Vec<String> = stack
                                .get(from..)
                                .unwrap_or_default()
                                .iter()
                                .map(|(v, _)| roles.get(*v).map_or("", |r| r.0).to_owned())
                                .collect();
                            circle.push(roles.get(child).map_or("", |r| r.0).to_owned());
                            return Err(RoleError::Cycle(circle));
                        }
                        _ => {}
                    },
                    None => {
                        stack.pop();
                        let mut bits = RoleBits::new(n);
                        bits.insert(node);
                        for &child in edges.get(node).map(Vec::as_slice).unwrap_or_default() {
                            if let Some(Some(c)) = closure.get(child) {
                                bits.union_with(c);
                            }
                        }
                        if let Some(slot) = closure.get_mut(node) {
                            *slot = Some(bits);
                        }
                        if let Some(s) = state.get_mut(node) {
                            *s = 2;
                        }
                    }
                }
            }
        }
        Ok(RoleGraph {
            names: roles.iter().map(|(name, _)| Box::from(*name)).collect(),
            index,
            closure: closure.into_iter().map(Option::unwrap_or_default).collect(),
        })
    }

    /// The number of roles.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are no roles.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The index of role `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Role `i`'s name.
    pub fn name(&self, i: usize) -> Option<&str> {
        self.names.get(i).map(|n| &**n)
    }

    /// Role `i` and everything it inherits.
    pub fn closure(&self, i: usize) -> Option<&RoleBits> {
        self.closure.get(i)
    }

    /// The set of exactly the roles `names` (no closure); `Err` names the
    /// first unknown one with its position.
    pub fn set_of<'a>(
        &self,
        names: impl IntoIterator<Item = &'a String>,
    ) -> Result<RoleBits, (usize, String)> {
        let mut bits = RoleBits::new(self.len());
        for (at, name) in names.into_iter().enumerate() {
            match self.index(name) {
                Some(i) => bits.insert(i),
                None => return Err((at, name.clone())),
            }
        }
        Ok(bits)
    }

    /// The union of the closures of `names`; `Err` as in [`RoleGraph::set_of`].
    pub fn closure_of<'a>(
        &self,
        names: impl IntoIterator<Item = &'a String>,
    ) -> Result<RoleBits, (usize, String)> {
        let mut bits = RoleBits::new(self.len());
        for (at, name) in names.into_iter().enumerate() {
            match self.index(name).and_then(|i| self.closure(i)) {
                Some(c) => bits.union_with(c),
                None => return Err((at, name.clone())),
            }
        }
        Ok(bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(roles: &[(&str, &[&str])]) -> Result<RoleGraph, RoleError> {
        let owned: Vec<(String, Vec<String>)> = roles
            .iter()
            .map(|(n, i)| (n.to_string(), i.iter().map(|s| s.to_string()).collect()))
            .collect();
        RoleGraph::build(owned.iter().map(|(n, i)| (n.as_str(), i.as_slice())))
    }

    #[test]
    fn inheritance_is_transitive() {
        let g = graph(&[
            ("admin", &["sre"]),
            ("sre", &["developer"]),
            ("developer", &[]),
        ])
        .unwrap();
        let admin = g.closure(g.index("admin").unwrap()).unwrap();
        assert!(admin.contains(g.index("developer").unwrap()));
        let dev = g.closure(g.index("developer").unwrap()).unwrap();
        assert!(!dev.contains(g.index("admin").unwrap()));
    }

    #[test]
    fn cycles_are_named() {
        let err = graph(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"]), ("d", &[])]).unwrap_err();
        assert_eq!(
            err,
            RoleError::Cycle(vec!["a".into(), "b".into(), "c".into(), "a".into()])
        );
        let err = graph(&[("a", &["a"])]).unwrap_err();
        assert_eq!(err, RoleError::Cycle(vec!["a".into(), "a".into()]));
    }

    #[test]
    fn unknown_parents_are_named_with_their_position() {
        let err = graph(&[("a", &["b", "nope"]), ("b", &[])]).unwrap_err();
        assert_eq!(
            err,
            RoleError::Unknown {
                role: 0,
                at: 1,
                name: "nope".into()
            }
        );
    }
}
