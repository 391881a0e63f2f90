import { PasswordInput, Select, SimpleGrid, TextInput } from '@mantine/core'
import { email, maxLength, minLength, phone, required, validate, type Check } from '../validation.ts'

export interface NewUserValues {
  email: string
  password: string
  fullName: string
  phoneNumber: string
  designation: string
  accessRole: string
}

export const emptyNewUser: NewUserValues = {
  email: '',
  password: '',
  fullName: '',
  phoneNumber: '',
  designation: '',
  accessRole: 'SALES_REP',
}

export const newUserRules: Partial<Record<keyof NewUserValues, Check[]>> = {
  email: [required, email, maxLength(254)],
  password: [required, minLength(8), maxLength(256)],
  fullName: [required, maxLength(200)],
  phoneNumber: [phone],
  designation: [maxLength(200)],
}

export const validateNewUser = (values: NewUserValues) => validate({ ...values }, newUserRules)

/** The body's new-user object: optional fields left out when empty. */
export function newUserBody(values: NewUserValues, withRole: boolean) {
  return {
    email: values.email.trim(),
    password: values.password,
    fullName: values.fullName.trim(),
    ...(values.phoneNumber ? { phoneNumber: values.phoneNumber } : {}),
    ...(values.designation.trim() ? { designation: values.designation.trim() } : {}),
    ...(withRole ? { accessRole: values.accessRole as 'ADMIN' | 'DEPARTMENT_HEAD' | 'SALES_REP' } : {}),
  }
}

/** The new user's fields with inline validation (on blur) and the server's messages per field. */
export function NewUserFields({
  values,
  errors,
  onChange,
  onErrors,
  withRole,
}: {
  values: NewUserValues
  errors: Partial<Record<keyof NewUserValues, string>>
  onChange: (patch: Partial<NewUserValues>) => void
  onErrors: (errors: Partial<Record<keyof NewUserValues, string>>) => void
  withRole: boolean
}) {
  // A field's error appears when the user leaves it and clears as soon as they edit it (never on
  // blur: a message vanishing under the pointer would move the button being clicked).
  const check = (field: keyof NewUserValues) => () => {
    const rules = newUserRules[field]
    const found = rules ? validate({ ...values }, { [field]: rules }) : {}
    if (found[field]) onErrors({ ...errors, [field]: found[field] })
  }
  const text = (field: keyof NewUserValues) => ({
    value: values[field],
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => {
      onChange({ [field]: e.currentTarget.value })
      if (errors[field]) onErrors({ ...errors, [field]: undefined })
    },
    onBlur: check(field),
    error: errors[field],
  })
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }}>
      <TextInput label="Email" type="email" required autoComplete="off" {...text('email')} />
      <PasswordInput
        label="Temporary password"
        required
        autoComplete="new-password"
        description="At least 8 characters"
        {...text('password')}
      />
      <TextInput label="Full name" required {...text('fullName')} />
      <TextInput label="Phone" description="Optional: +1 or +91 and 10 digits" {...text('phoneNumber')} />
      <TextInput label="Designation" description="Optional job title" {...text('designation')} />
      {withRole && (
        <Select
          label="Role"
          required
          allowDeselect={false}
          data={[
            { value: 'SALES_REP', label: 'Sales rep' },
            { value: 'DEPARTMENT_HEAD', label: 'Department head' },
            { value: 'ADMIN', label: 'Admin' },
          ]}
          value={values.accessRole}
          onChange={(value) => onChange({ accessRole: value ?? 'SALES_REP' })}
          error={errors.accessRole}
        />
      )}
    </SimpleGrid>
  )
}
