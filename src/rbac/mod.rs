//! RBAC: roles, principals, environments and permissions, compiled to
//! bitsets; and the bridge to Cedar.
//!
//! "May principal P, in role R, in environment E, do this?" is answered on
//! every decision, so it must cost a few word operations: roles are bits
//! ([`bits`]), inheritance is resolved at compile time ([`roles`]), a
//! principal's roles come from static bindings ([`principals`]) and what the
//! request carries, the environment is derived from the targets a request
//! touches ([`environments`]), and permissions are per-action tables of role
//! sets ([`permissions`]). Nothing here knows a policy document or a raw
//! request: the engine feeds names and canonical targets in. [`cedar`] runs
//! a policy's Cedar extension; `policy::cedar_export` writes the RBAC part of a policy
//! as an equivalent Cedar policy set, the oracle the tests compare against.

pub mod actions;
pub mod bits;
pub mod cedar;
pub mod environments;
pub mod permissions;
pub mod principals;
pub mod roles;

pub use bits::{RoleBits, RoleView};
pub use environments::{EnvironmentSet, MAX_ENVIRONMENTS, NO_ENVIRONMENT};
pub use permissions::{Outcome, Permissions};
pub use principals::Bindings;
pub use roles::{RoleError, RoleGraph};
