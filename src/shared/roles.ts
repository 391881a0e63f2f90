/** Access roles, from most to least privileged. The database column and the API use the same names. */
export const accessRoles = ['SUPERADMIN', 'ADMIN', 'DEPARTMENT_HEAD', 'SALES_REP'] as const

export type AccessRole = (typeof accessRoles)[number]

/** The role sets routes declare in `config.auth`. */
export const allRoles: readonly AccessRole[] = accessRoles
export const adminRoles: readonly AccessRole[] = ['SUPERADMIN', 'ADMIN']
export const superadminOnly: readonly AccessRole[] = ['SUPERADMIN']
