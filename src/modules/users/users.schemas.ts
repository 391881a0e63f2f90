import { Type, type Static } from '@sinclair/typebox'
import {
  AccessRoleSchema,
  AssignableRoleSchema,
  Email,
  Nullable,
  ObjectId,
  Password,
  Phone,
  Timestamp,
  UpdateBodyOf,
} from '../../shared/schemas.ts'

export const UserSchema = Type.Object(
  {
    _id: ObjectId('User id'),
    email: Type.String(),
    fullName: Type.String(),
    phoneNumber: Nullable(Type.String()),
    designation: Nullable(Type.String()),
    accessRole: AccessRoleSchema,
    departmentId: Nullable(Type.String()),
    organizationId: ObjectId('Organization the user belongs to'),
    loginDisabled: Type.Boolean({ description: 'A disabled user cannot sign in and their tokens stop working' }),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  { $id: 'User' },
)
export type UserDto = Static<typeof UserSchema>

const fullName = Type.String({ minLength: 1, maxLength: 200, description: 'Display name' })
const designation = Type.String({ maxLength: 200, description: 'Job title' })

/** The profile of a user being created: by POST /api/user, an organization's first ADMIN, or a snapshot apply. */
export const newUserFields = {
  email: Email('Login email, unique across the platform (case-insensitive)'),
  password: Password(),
  fullName,
  phoneNumber: Type.Optional(Phone('Optional E.164-style phone (must start with +1 or +91 followed by 10 digits).')),
  designation: Type.Optional(designation),
}

export const CreateUserBody = Type.Object(
  {
    ...newUserFields,
    accessRole: AccessRoleSchema,
    departmentId: Type.Optional(ObjectId('Department the user belongs to')),
    loginDisabled: Type.Optional(Type.Boolean({ default: false })),
    organizationId: Type.Optional(
      ObjectId('SUPERADMIN only: the organization to create the user in (default: the caller\u2019s)'),
    ),
  },
  { additionalProperties: false },
)
export type CreateUserInput = Static<typeof CreateUserBody>

/** What PATCH changes: the profile (null clears an optional field), the role among the assignable ones, the login switch. */
export const UpdateUserBody = UpdateBodyOf(
  Type.Composite([
    Type.Pick(CreateUserBody, ['fullName']),
    Type.Object({
      phoneNumber: Nullable(Phone()),
      designation: Nullable(designation),
      accessRole: AssignableRoleSchema,
      departmentId: Nullable(ObjectId()),
    }),
    Type.Pick(CreateUserBody, ['loginDisabled']),
  ]),
)
export type UpdateUserInput = Static<typeof UpdateUserBody>

export const UserListQuery = Type.Object(
  { organizationId: Type.Optional(ObjectId('SUPERADMIN only: list another organization\u2019s users')) },
  { additionalProperties: false },
)

/** The source-user helpers of both snapshot kinds return this reduced shape. */
export const UserSummarySchema = Type.Object({
  _id: ObjectId(),
  fullName: Type.String(),
  email: Type.String(),
  accessRole: AccessRoleSchema,
})
